package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tandemhq/tandem/adapters/adaptertest"
	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
)

// Ensure every fixture of the rendering contract renders to the requests
// recorded in testdata/render.golden: each Web API call Send makes for it,
// with its form (blocks and files decoded, the token left out), as Slack
// receives it. The edit fixture edits a card the fake posted first (its
// RemoteID is a placeholder), and the picture fixture's upload key is a
// placeholder the fake is told to accept.
func TestRender(t *testing.T) {
	var out strings.Builder
	for _, fx := range adaptertest.RenderFixtures() {
		a, f := newSender(t)
		to := bot.Destination{ChatID: "C1"}
		m := fx.Msg
		if m.Edit != nil {
			id, err := send(a, to, bot.Message{Text: "the original"})
			if err != nil {
				t.Fatal(err)
			}
			e := *m.Edit
			e.RemoteID = id
			m.Edit = &e
		}
		if m.Image != nil {
			f.Reply("files.completeUploadExternal", slacktest.JSON(`{"ok":true,"files":[{"id":"UPLOAD-KEY"}]}`))
			f.Reply("files.info", slacktest.JSON(`{"ok":true,"file":{"id":"UPLOAD-KEY"}}`))
		}
		before := len(f.Calls())
		if _, err := send(a, to, m); err != nil {
			t.Fatalf("%s: %v", fx.Name, err)
		}
		fmt.Fprintf(&out, "=== %s\n", fx.Name)
		for _, c := range f.Calls()[before:] {
			req := map[string]any{}
			for k := range c.Form {
				if k == "token" {
					continue
				}
				v := c.Form.Get(k)
				var decoded any
				if (k == "blocks" || k == "files") && json.Unmarshal([]byte(v), &decoded) == nil {
					req[k] = decoded
				} else {
					req[k] = v
				}
			}
			fmt.Fprintf(&out, "%s\n", c.Method)
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false) // the golden file shows what Slack reads
			enc.SetIndent("", "  ")
			enc.Encode(req)
		}
	}
	adaptertest.Golden(t, "testdata/render.golden", []byte(out.String()))
}
