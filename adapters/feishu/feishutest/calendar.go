package feishutest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Calendar free/busy paths the fake serves.
const (
	PathFreeBusyBatch = "/open-apis/calendar/v4/freebusy/batch"
	PathFreeBusyList  = "/open-apis/calendar/v4/freebusy/list"
)

// Busy is one busy span on a user's primary calendar. RSVP is the user's
// answer ("accept", "decline", "tentative", "needs_action"; "" for an
// event of their own).
type Busy struct {
	Start, End time.Time
	RSVP       string
}

// SetBusy puts spans on the primary calendar of the user with this
// open_id, replacing what was there.
func (s *Server) SetBusy(openID string, spans ...Busy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy == nil {
		s.busy = map[string][]Busy{}
	}
	s.busy[openID] = spans
}

// serveFreeBusy answers freebusy/batch (user_ids) and freebusy/list (one
// user_id): the spans that overlap [time_min, time_max), with the RSVP
// status when need_rsvp_status is set. As Feishu does, it refuses a range
// of more than three months and ids that are not open_ids of the
// user_id_type asked.
func (s *Server) serveFreeBusy(w http.ResponseWriter, fail func(int, int, string), c Call) {
	var req struct {
		TimeMin        string   `json:"time_min"`
		TimeMax        string   `json:"time_max"`
		UserIDs        []string `json:"user_ids"`
		UserID         string   `json:"user_id"`
		NeedRSVPStatus bool     `json:"need_rsvp_status"`
	}
	json.Unmarshal(c.Raw, &req)
	from, err1 := time.Parse(time.RFC3339, req.TimeMin)
	to, err2 := time.Parse(time.RFC3339, req.TimeMax)
	switch {
	case err1 != nil || err2 != nil || !from.Before(to):
		fail(http.StatusBadRequest, 99992402, "field validation failed: time_min, time_max")
		return
	case to.Sub(from) > 92*24*time.Hour:
		fail(http.StatusBadRequest, 193101, "time range exceeds 3 months")
		return
	case c.Query.Get("user_id_type") != "open_id":
		fail(http.StatusBadRequest, 99992402, "the fake knows open_ids only")
		return
	}
	items := func(id string) []map[string]any {
		out := []map[string]any{}
		for _, b := range s.busy[id] {
			if b.Start.Before(to) && from.Before(b.End) {
				it := map[string]any{"start_time": b.Start.Format(time.RFC3339), "end_time": b.End.Format(time.RFC3339)}
				if req.NeedRSVPStatus && b.RSVP != "" {
					it["rsvp_status"] = b.RSVP
				}
				out = append(out, it)
			}
		}
		return out
	}
	var data map[string]any
	if c.Path == PathFreeBusyList {
		data = map[string]any{"freebusy_list": items(req.UserID)}
	} else {
		lists := []map[string]any{}
		for _, id := range slices.Compact(slices.Clone(req.UserIDs)) {
			lists = append(lists, map[string]any{"user_id": id, "freebusy_items": items(id)})
		}
		data = map[string]any{"freebusy_lists": lists}
	}
	raw, _ := json.Marshal(map[string]any{"code": 0, "msg": "success", "data": data})
	fmt.Fprint(w, string(raw))
}
