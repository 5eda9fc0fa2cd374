package feishu_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/feishu/feishutest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure every fixture of the rendering contract renders to the requests
// kept in testdata/render.golden: each message call Send makes (create,
// patch), its query and its body, the content (a JSON string on the wire)
// shown decoded.
func TestRender_Golden(t *testing.T) {
	var out bytes.Buffer
	for _, fx := range adaptertest.RenderFixtures() {
		a, f := newSender(t, nil, nil)
		ok := func(w http.ResponseWriter, _ int) {
			io.WriteString(w, `{"code":0,"msg":"success","data":{"message_id":"om_1"}}`)
		}
		f.Reply(feishutest.PathMessages, ok)
		f.Reply(feishutest.PathMessages+"/REMOTE-ID", ok)
		if _, err := send(a, "render", bot.Destination{UserID: "ou_reader"}, fx.Msg); err != nil {
			t.Fatalf("%s: %v", fx.Name, err)
		}
		fmt.Fprintf(&out, "== %s ==\n", fx.Name)
		for _, c := range f.Sends() {
			body := c.Body
			body["content"] = c.Content()
			if _, ok := body["uuid"]; ok {
				body["uuid"] = "…" // a hash of the outbox key
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(body); err != nil {
				t.Fatal(err)
			}
			q := ""
			if len(c.Query) > 0 {
				q = "?" + c.Query.Encode()
			}
			fmt.Fprintf(&out, "%s %s%s\n%s", c.Method, c.Path, q, b.String())
		}
		out.WriteString("\n")
	}
	adaptertest.Golden(t, "testdata/render.golden", []byte(strings.TrimSuffix(out.String(), "\n")))
}
