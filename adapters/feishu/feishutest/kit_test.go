package feishutest_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
)

// Ensure the kit signs as documented, with a regression value that
// matches the SDK's larkevent.Signature (Feishu publishes no vector).
func TestSignature(t *testing.T) {
	body := []byte(`{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}`)
	const want = "669e3ed5328644f71370e3249f96af0fd17e5ed4d7b178c44f11f7997339e344"
	if got := feishutest.Signature("1700000000", "nonce123", "test key", body); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

// Ensure what the kit encrypts opens with the adapter's Decrypt (itself
// checked against Feishu's official vector), whatever the length.
func TestEncrypt(t *testing.T) {
	for _, plain := range []string{"", "hello world", strings.Repeat("飞", 16)} {
		got, err := feishu.Decrypt("k", feishutest.Encrypt("k", []byte(plain)))
		if err != nil || string(got) != plain {
			t.Fatalf("%q: %q, %v", plain, got, err)
		}
	}
}

func call(t *testing.T, s *feishutest.Server, method, path, body string) string {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer t-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Ensure the fake behaves as Feishu does where tests rely on it: a
// repeated uuid posts nothing new, only a shared card can be patched, and
// calls without a token it issued are refused.
func TestServer(t *testing.T) {
	s := feishutest.NewServer(t)
	if got := call(t, s, "POST", feishutest.PathMessages+"?receive_id_type=open_id", `{"receive_id":"ou_1","msg_type":"text","content":"{}"}`); !strings.Contains(got, "99991663") {
		t.Fatalf("send without a token: %s", got)
	}
	call(t, s, "POST", feishutest.PathToken, `{}`)
	send := `{"receive_id":"ou_1","msg_type":"interactive","content":"{\"config\":{}}","uuid":"u1"}`
	a := call(t, s, "POST", feishutest.PathMessages+"?receive_id_type=open_id", send)
	b := call(t, s, "POST", feishutest.PathMessages+"?receive_id_type=open_id", send)
	if a != b || len(s.Messages()) != 1 || s.Repeats() != 1 {
		t.Fatalf("a repeated uuid: %s then %s, %d messages", a, b, len(s.Messages()))
	}
	if got := call(t, s, "PATCH", feishutest.PathMessages+"/om_sent1", `{"content":"{\"config\":{\"update_multi\":true}}"}`); !strings.Contains(got, "230099") {
		t.Fatalf("patch of a card that is not shared: %s", got)
	}
	if s.Messages()[0].Patches != 0 || !bytes.Contains([]byte(s.Messages()[0].Content), []byte(`"config":{}`)) {
		t.Fatalf("the refused patch changed the card: %+v", s.Messages()[0])
	}
}
