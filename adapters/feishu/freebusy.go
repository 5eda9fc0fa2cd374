package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Free/busy. Feishu answers when its users are busy from their primary
// calendars (and, by default, the third-party calendars they bound):
// POST calendar/v4/freebusy/batch for several users at once (the SDK's
// Calendar.V4.Freebusy.Batch), freebusy/list for one. A range may span
// three months at most. Scope: calendar:calendar.free_busy:read (or
// calendar:calendar:readonly); the app's bot ability must be on.

var _ bot.FreeBusy = (*Adapter)(nil)

const (
	pathFreeBusyBatch = "/open-apis/calendar/v4/freebusy/batch"
	// freeBusyUsers is how many users one batch asks about.
	freeBusyUsers = 10
	// freeBusySpan is the longest range one request may ask (Feishu: at
	// most three months).
	freeBusySpan = 89 * 24 * time.Hour
)

// freeBusyForbiddenCodes mean the app may not read free/busy: the scope is
// not granted (99991672) or not authorized (99991679), or the calendar API
// says the app has no permission (190014, 191002, 193001).
var freeBusyForbiddenCodes = map[int]bool{99991672: true, 99991679: true, 190014: true, 191002: true, 193001: true}

var errFreeBusyForbidden = bot.Errorf(bot.EFORBIDDEN,
	"Feishu does not let this app read free/busy time. An admin must grant the app the permission \"calendar:calendar.free_busy:read\" (读取日历忙闲信息) in the Feishu developer console, enable its bot ability and publish a new version.",
	"飞书不允许本应用读取忙闲信息。请管理员在飞书开发者后台为应用开通“读取日历忙闲信息”（calendar:calendar.free_busy:read）权限，启用机器人能力，并发布新版本。")

type freeBusyBatchRequest struct {
	TimeMin                 string   `json:"time_min"`
	TimeMax                 string   `json:"time_max"`
	UserIDs                 []string `json:"user_ids"`
	IncludeExternalCalendar bool     `json:"include_external_calendar"`
	OnlyBusy                bool     `json:"only_busy"`
	NeedRSVPStatus          bool     `json:"need_rsvp_status"`
}

type freeBusyItem struct {
	StartTime  string `json:"start_time"`
	EndTime    string `json:"end_time"`
	RSVPStatus string `json:"rsvp_status"`
}

// Busy implements bot.FreeBusy for accounts of this app (open_ids). Events
// the user declined are not busy.
func (a *Adapter) Busy(ctx context.Context, who []bot.Account, from, to time.Time) (map[bot.Account][]bot.Interval, error) {
	out := map[bot.Account][]bot.Interval{}
	byID := map[string]bot.Account{}
	var ids []string
	for _, acc := range who {
		if acc.UserID != "" && byID[acc.UserID] == (bot.Account{}) {
			byID[acc.UserID] = acc
			ids = append(ids, acc.UserID)
		}
	}
	for start := from; start.Before(to); start = start.Add(freeBusySpan) {
		end := start.Add(freeBusySpan)
		if end.After(to) {
			end = to
		}
		for i := 0; i < len(ids); i += freeBusyUsers {
			chunk := ids[i:min(i+freeBusyUsers, len(ids))]
			lists, err := a.freeBusyBatch(ctx, chunk, start, end)
			if err != nil {
				return nil, err
			}
			for id, items := range lists {
				acc, ok := byID[id]
				if !ok {
					continue
				}
				ivs := out[acc]
				if ivs == nil {
					ivs = []bot.Interval{}
				}
				for _, it := range items {
					if it.RSVPStatus == "decline" {
						continue
					}
					s, err1 := time.Parse(time.RFC3339, it.StartTime)
					e, err2 := time.Parse(time.RFC3339, it.EndTime)
					if err := errors.Join(err1, err2); err != nil {
						return nil, fmt.Errorf("feishu: calendar.freebusy.batch: unreadable times: %w", err)
					}
					// A busy span across a window boundary comes in both
					// answers: keep it once.
					iv := bot.Interval{Start: s, End: e}
					if len(ivs) == 0 || !ivs[len(ivs)-1].Start.Equal(s) || !ivs[len(ivs)-1].End.Equal(e) {
						ivs = append(ivs, iv)
					}
				}
				out[acc] = ivs
			}
		}
	}
	for acc := range out {
		bot.SortIntervals(out[acc])
	}
	return out, nil
}

func (a *Adapter) freeBusyBatch(ctx context.Context, ids []string, from, to time.Time) (map[string][]freeBusyItem, error) {
	req := freeBusyBatchRequest{TimeMin: from.Format(time.RFC3339), TimeMax: to.Format(time.RFC3339), UserIDs: ids,
		IncludeExternalCalendar: true, OnlyBusy: true, NeedRSVPStatus: true}
	r, err := a.call(ctx, "calendar.freebusy.batch", http.MethodPost, pathFreeBusyBatch, url.Values{"user_id_type": {"open_id"}}, req)
	if ae, ok := errors.AsType[*apiError](err); ok && (freeBusyForbiddenCodes[ae.Code] || ae.Status == http.StatusForbidden) {
		return nil, fmt.Errorf("%w (%v)", errFreeBusyForbidden, err)
	}
	if err != nil {
		return nil, err
	}
	var d struct {
		FreebusyLists []struct {
			UserID        string         `json:"user_id"`
			FreebusyItems []freeBusyItem `json:"freebusy_items"`
		} `json:"freebusy_lists"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, fmt.Errorf("feishu: calendar.freebusy.batch: unreadable answer: %w", err)
	}
	out := map[string][]freeBusyItem{}
	for _, l := range d.FreebusyLists {
		out[l.UserID] = append(out[l.UserID], l.FreebusyItems...)
	}
	return out, nil
}
