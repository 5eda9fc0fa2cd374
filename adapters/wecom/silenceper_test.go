package wecom_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/util"
	workctx "github.com/silenceper/wechat/v2/work/context"
	"github.com/silenceper/wechat/v2/work/message"

	"github.com/tandemhq/tandem/adapters/wecom"
)

// Ensure silenceper/wechat's util helpers are correct where the adapter
// uses them: util.Signature gives the official vectors' msg_signature, and
// util.DecryptMsg opens the official POST vector (so the kit, which
// encrypts with util.EncryptMsg, speaks WeCom's scheme).
func TestSilenceperUtilMatchesVectors(t *testing.T) {
	v := loadVectors(t)
	if got := util.Signature(v.Token, v.Get.Timestamp, v.Get.Nonce, v.Get.Echostr); got != v.Get.MsgSignature {
		t.Fatalf("util.Signature GET %s, want %s", got, v.Get.MsgSignature)
	}
	enc := v.postEncrypt(t)
	if got := util.Signature(v.Token, v.Post.Timestamp, v.Post.Nonce, enc); got != v.Post.MsgSignature {
		t.Fatalf("util.Signature POST %s, want %s", got, v.Post.MsgSignature)
	}
	_, plain, err := util.DecryptMsg(v.CorpID, enc, v.EncodingAESKey)
	if err != nil || !bytes.Equal(plain, mustReadFile(t, "testdata/"+v.Post.PlaintextFile)) {
		t.Fatalf("util.DecryptMsg: %q %v", plain, err)
	}
}

// Ensure the reasons the adapter does not use parts of silenceper/wechat
// still hold; each subtest is one shortfall named in a comment of the
// adapter. If one fails, silenceper has changed and the comment (and
// perhaps the code) should too.
func TestSilenceperShortfalls(t *testing.T) {
	// util.DecryptMsg checks only the last padding byte: a plaintext whose
	// padding is not PKCS#7 is accepted. wecom.Decrypt refuses it (crypto.go).
	t.Run("DecryptMsgAcceptsBadPadding", func(t *testing.T) {
		plain := padded(6, "<xml/>", testCorp, bytes.Repeat([]byte{20}, 20))
		plain[len(plain)-5] = 19 // one padding byte wrong
		ct := encryptRaw(t, plain)
		if _, msg, err := util.DecryptMsg(testCorp, ct, testKey); err != nil || string(msg) != "<xml/>" {
			t.Fatalf("util.DecryptMsg now refuses bad padding (%q, %v): reconsider using it", msg, err)
		}
		if _, err := wecom.Decrypt(testKey, testCorp, ct); !errors.Is(err, wecom.ErrMalformed) {
			t.Fatalf("wecom.Decrypt: %v", err)
		}
	})
	// util.DecryptMsg's errors are plain strings: a wrong receiveid cannot
	// be told from a malformed payload, which must answer 401 and 400.
	t.Run("DecryptMsgErrorsUntyped", func(t *testing.T) {
		_, _, wrong := util.DecryptMsg(testCorp, encrypt(t, "<xml/>", "wwother"), testKey)
		_, _, broken := util.DecryptMsg(testCorp, encryptRaw(t, padded(1000, "<xml/>", testCorp, bytes.Repeat([]byte{20}, 20))), testKey)
		if wrong == nil || broken == nil {
			t.Fatal("util.DecryptMsg accepted a bad ciphertext")
		}
		var ce *util.CommonError
		if errors.As(wrong, &ce) || errors.As(broken, &ce) {
			t.Fatal("util.DecryptMsg errors are typed now: reconsider using it")
		}
	})
	// The access token cache (credential.WorkAccessToken) and
	// message.Client.Send call a hard-coded https://qyapi.weixin.qq.com
	// through the package-wide util.DefaultHTTPClient; the only way to
	// point them elsewhere is util.SetURIModifier, also package-wide, so
	// two WeCom apps (or tests) with different API URLs cannot share a
	// process. The adapter keeps its own token cache and HTTP (send.go).
	t.Run("FixedHostAndGlobalClient", func(t *testing.T) {
		var hosts []string
		saved := util.DefaultHTTPClient
		util.DefaultHTTPClient = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			hosts = append(hosts, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path)
			return nil, errors.New("recorded, not sent")
		})}
		t.Cleanup(func() { util.DefaultHTTPClient = saved })

		tokens := credential.NewWorkAccessToken(testCorp, testSecret, "218", credential.CacheKeyWorkPrefix, cache.NewMemory())
		if _, err := tokens.(credential.AccessTokenContextHandle).GetAccessTokenContext(context.Background()); err == nil {
			t.Fatal("token fetched without a server")
		}
		client := message.NewClient(&workctx.Context{AccessTokenHandle: staticToken("tok")})
		if _, err := client.Send("MessageSend", map[string]any{"touser": testUser}); err == nil {
			t.Fatal("message sent without a server")
		}
		want := "https://qyapi.weixin.qq.com/cgi-bin/gettoken|https://qyapi.weixin.qq.com/cgi-bin/message/send"
		if got := strings.Join(hosts, "|"); got != want {
			t.Fatalf("silenceper called %s, want %s", got, want)
		}
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type staticToken string

func (s staticToken) GetAccessToken() (string, error) { return string(s), nil }

func (s staticToken) GetAccessTokenContext(context.Context) (string, error) { return string(s), nil }
