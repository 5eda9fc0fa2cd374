package feishutest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Read receipts: GET im/v1/messages/:message_id/read_users answers, in its
// documented shape, the readers a test recorded with Read, paged by
// page_size (default 20, at most 100) and page_token. Feishu answers only
// for the bot's own messages (those the fake posted) and only within seven
// days: a message the test marks with TooOld answers error 230033.

// PathReadUsersSuffix ends the path of read_users under PathMessages/:id.
const PathReadUsersSuffix = "/read_users"

// CodeTooOld is Feishu's answer to read_users for a message older than
// seven days.
const CodeTooOld = 230033

type reader struct {
	openID string
	at     time.Time
}

// Read records that the user openID read the bot's message id at the time
// at; read_users answers it from then on. A second read by the same user is
// ignored, as Feishu keeps the first.
func (s *Server) Read(id, openID string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads == nil {
		s.reads = map[string][]reader{}
	}
	if slices.ContainsFunc(s.reads[id], func(r reader) bool { return r.openID == openID }) {
		return
	}
	s.reads[id] = append(s.reads[id], reader{openID, at})
}

// TooOld makes read_users refuse the message id with error 230033, as
// Feishu does seven days after it was sent.
func (s *Server) TooOld(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tooOld == nil {
		s.tooOld = map[string]bool{}
	}
	s.tooOld[id] = true
}

// readUsers answers im.message.read_users. Called with s.mu held.
func (s *Server) readUsers(w io.Writer, fail func(int, int, string), c Call) {
	id := strings.TrimSuffix(strings.TrimPrefix(c.Path, PathMessages+"/"), PathReadUsersSuffix)
	own := slices.ContainsFunc(s.messages, func(m *Message) bool { return m.ID == id })
	switch {
	case c.Query.Get("user_id_type") == "":
		fail(http.StatusBadRequest, 99992402, "field validation failed: user_id_type is required")
		return
	case !own:
		fail(http.StatusBadRequest, 230001, "message not found or not sent by this bot")
		return
	case s.tooOld[id]:
		fail(http.StatusBadRequest, CodeTooOld, "only messages sent within 7 days can be queried")
		return
	}
	size := 20
	if n, err := strconv.Atoi(c.Query.Get("page_size")); err == nil && n > 0 {
		size = min(n, 100)
	}
	start := 0
	if t := c.Query.Get("page_token"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "rp_"))
		if err != nil || n < 0 || n > len(s.reads[id]) {
			fail(http.StatusBadRequest, 99992402, "field validation failed: page_token")
			return
		}
		start = n
	}
	all := s.reads[id]
	end := min(start+size, len(all))
	items := []any{}
	for _, r := range all[start:end] {
		items = append(items, map[string]any{"user_id_type": "open_id", "user_id": r.openID,
			"timestamp": strconv.FormatInt(r.at.UnixMilli(), 10), "tenant_key": "tenant_fake"})
	}
	data := map[string]any{"items": items, "has_more": end < len(all)}
	if end < len(all) {
		data["page_token"] = "rp_" + strconv.Itoa(end)
	}
	raw, _ := json.Marshal(map[string]any{"code": 0, "msg": "success", "data": data})
	w.Write(raw)
}
