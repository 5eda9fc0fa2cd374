package wecom_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemhq/tandem/adapters/adaptertest"

	"github.com/tandemhq/tandem/bot"

	"github.com/tandemhq/tandem/adapters/wecom"
	"github.com/tandemhq/tandem/adapters/wecom/wecomtest"
)

// The adapter tests use the official vectors' token, key and corp id (they
// are WeCom's published sample values), so that the vectors and the
// payloads the tests make go through the same configuration.
const (
	testToken   = "QDG6eK"
	testKey     = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	testCorp    = "wx5823bf96d3bd56c7"
	testAgent   = 218
	testSecret  = "test-corp-secret"
	testUser    = "zhangsan"
	callbackURL = "/wecom/callback"
)

// testNow is the fixed clock of the handler tests; payloads are signed with it.
var testNow = time.Unix(1_700_000_000, 0)

// vectors is testdata/official_vectors.json.
type vectors struct {
	Token          string `json:"token"`
	CorpID         string `json:"corp_id"`
	EncodingAESKey string `json:"encoding_aes_key"`
	Get            struct {
		MsgSignature string `json:"msg_signature"`
		Timestamp    string `json:"timestamp"`
		Nonce        string `json:"nonce"`
		Echostr      string `json:"echostr"`
		Plaintext    string `json:"plaintext"`
	} `json:"get"`
	Post struct {
		MsgSignature  string `json:"msg_signature"`
		Timestamp     string `json:"timestamp"`
		Nonce         string `json:"nonce"`
		BodyFile      string `json:"body_file"`
		PlaintextFile string `json:"plaintext_file"`
		AgentID       int64  `json:"agent_id"`
	} `json:"post"`
}

func loadVectors(tb testing.TB) *vectors {
	tb.Helper()
	var v vectors
	if err := json.Unmarshal(mustReadFile(tb, "testdata/official_vectors.json"), &v); err != nil {
		tb.Fatal(err)
	}
	return &v
}

func (v *vectors) postBody(tb testing.TB) []byte {
	return mustReadFile(tb, filepath.Join("testdata", v.Post.BodyFile))
}

func (v *vectors) postEncrypt(tb testing.TB) string {
	tb.Helper()
	body := string(v.postBody(tb))
	_, rest, _ := strings.Cut(body, "<Encrypt><![CDATA[")
	enc, _, ok := strings.Cut(rest, "]]>")
	if !ok {
		tb.Fatal("no Encrypt in the POST vector")
	}
	return enc
}

func unixOf(tb testing.TB, ts string) time.Time {
	tb.Helper()
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		tb.Fatal(err)
	}
	return time.Unix(sec, 0)
}

// Intake is the shared recording fake of bot.Intake.
type Intake = adaptertest.Intake

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// MustNewAdapter returns an adapter with the test credentials and clock;
// edit adjusts the config first.
func MustNewAdapter(tb testing.TB, in bot.Intake, edit func(*wecom.Config)) *wecom.Adapter {
	tb.Helper()
	cfg := wecom.Config{
		CorpID:         testCorp,
		AgentID:        testAgent,
		Secret:         testSecret,
		Token:          testToken,
		EncodingAESKey: testKey,
		APIURL:         "http://127.0.0.1:1", // nothing listens; send tests set a fake
		Now:            func() time.Time { return testNow },
		Log:            discardLog(),
	}
	if edit != nil {
		edit(&cfg)
	}
	a, err := wecom.New(cfg, in)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// testApp makes callbacks with the test configuration; the kit encrypts
// and signs with silenceper/wechat's util, independently of the adapter.
var testApp = wecomtest.App{CorpID: testCorp, AgentID: testAgent, Token: testToken, EncodingAESKey: testKey}

// encrypt is WXBizMsgCrypt encryption of msg for receiveID.
func encrypt(tb testing.TB, msg, receiveID string) string {
	app := testApp
	app.CorpID = receiveID
	return app.Encrypt(tb, msg)
}

// encryptRaw encrypts an already padded plaintext, to make malformed ones.
func encryptRaw(tb testing.TB, plain []byte) string {
	tb.Helper()
	key, err := base64.StdEncoding.DecodeString(testKey + "=")
	if err != nil {
		tb.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}

// envelope is a POST body around a ciphertext.
func envelope(ciphertext string) []byte { return testApp.Envelope(ciphertext) }

// signedQuery returns the callback query for ciphertext, signed at ts.
func signedQuery(ts time.Time, nonce, ciphertext string) url.Values {
	return testApp.Sign(ts, nonce, ciphertext)
}

// postCiphertext builds a callback POST carrying ciphertext, signed at testNow.
func postCiphertext(ciphertext string) *http.Request {
	q := signedQuery(testNow, "nonce1", ciphertext)
	return httptest.NewRequest(http.MethodPost, callbackURL+"?"+q.Encode(), bytes.NewReader(envelope(ciphertext)))
}

// postXML builds a signed, encrypted callback POST for an inner message.
func postXML(tb testing.TB, inner string) *http.Request {
	return postCiphertext(encrypt(tb, inner, testCorp))
}

func textXML(msgID, from, content string) string {
	return testApp.TextXML(from, content, msgID, time.Unix(1700000000, 0))
}

func cardEventXML(from, createTime, key, taskID, responseCode string) string {
	sec, _ := strconv.ParseInt(createTime, 10, 64)
	return testApp.CardClickXML(from, key, taskID, responseCode, time.Unix(sec, 0))
}

// serve runs r through the adapter's route for its path.
var serve = adaptertest.Serve

var mustReadFile = adaptertest.MustReadFile
