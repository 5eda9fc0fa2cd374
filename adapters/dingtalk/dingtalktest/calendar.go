package dingtalktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Busy is one item of a user's schedule as querySchedule gives it. AllDay
// items carry dates (their Start's and End's, in Asia/Shanghai); Status is
// "BUSY" when empty.
type Busy struct {
	Start, End time.Time
	AllDay     bool
	Status     string
}

// UnionID is the unionId the fake's contacts give the user with this staff
// id (topapi/v2/user/get's "unionid").
func UnionID(staffID string) string { return "union-" + staffID }

// SetBusy puts items on the schedule of the user with this staff id,
// replacing what was there.
func (f *Server) SetBusy(staffID string, items ...Busy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy == nil {
		f.busy = map[string][]Busy{}
	}
	f.busy[UnionID(staffID)] = items
}

// isQuerySchedule matches POST /v1.0/calendar/users/{unionId}/querySchedule.
func isQuerySchedule(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v1.0/calendar/users/")
	return ok && strings.HasSuffix(rest, "/querySchedule") && !strings.Contains(strings.TrimSuffix(rest, "/querySchedule"), "/")
}

// serveSchedule answers querySchedule: for each of userIds (unionIds), the
// items overlapping [startTime, endTime), or an error for an id the fake
// does not know. Times must be UTC with milliseconds, as DingTalk wants.
func (f *Server) serveSchedule(w http.ResponseWriter, c Call) {
	var req struct {
		UserIDs   []string `json:"userIds"`
		StartTime string   `json:"startTime"`
		EndTime   string   `json:"endTime"`
	}
	json.Unmarshal(c.Body, &req)
	const layout = "2006-01-02T15:04:05.000Z"
	from, err1 := time.Parse(layout, req.StartTime)
	to, err2 := time.Parse(layout, req.EndTime)
	if err1 != nil || err2 != nil || len(req.UserIDs) == 0 {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"code":"ParsedISO8601TimestampError","message":"startTime, endTime or userIds invalid"}`)
		return
	}
	shanghai := time.FixedZone("CST", 8*3600)
	f.mu.Lock()
	defer f.mu.Unlock()
	known := map[string]bool{}
	for _, u := range f.Users {
		known[UnionID(u.UserID)] = true
	}
	var infos []map[string]any
	for _, id := range req.UserIDs {
		if !known[id] {
			infos = append(infos, map[string]any{"userId": id, "error": "user not found", "scheduleItems": []any{}})
			continue
		}
		items := []map[string]any{}
		for _, b := range f.busy[id] {
			if !b.Start.Before(to) || !from.Before(b.End) {
				continue
			}
			at := func(t time.Time) map[string]any {
				if b.AllDay {
					return map[string]any{"date": t.In(shanghai).Format("2006-01-02"), "timeZone": "Asia/Shanghai"}
				}
				return map[string]any{"dateTime": t.In(shanghai).Format(time.RFC3339), "timeZone": "Asia/Shanghai"}
			}
			status := b.Status
			if status == "" {
				status = "BUSY"
			}
			items = append(items, map[string]any{"status": status, "start": at(b.Start), "end": at(b.End)})
		}
		infos = append(infos, map[string]any{"userId": id, "scheduleItems": items})
	}
	fmt.Fprintf(w, `{"scheduleInformation":%s}`, MustJSON(infos))
}
