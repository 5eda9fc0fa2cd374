package dingtalk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Free/busy. DingTalk's calendar (calendar_1.0, the SDK's GetSchedule) answers
// when its users are busy: POST /v1.0/calendar/users/{unionId}/querySchedule
// with {userIds, startTime, endTime}. Its ids are unionIds, not the staff ids
// (userid) Tandem's DingTalk accounts carry, so each account's unionId is
// read once from the contacts API (topapi/v2/user/get) and kept: a user's
// unionId never changes. Permissions: the calendar's read permission
// (Calendar.EventSchedule.Read, 日程忙闲读权限) besides the contacts' read.

var _ bot.FreeBusy = (*Adapter)(nil)

const (
	pathQuerySchedule = "/v1.0/calendar/users/%s/querySchedule"
	// scheduleUsers is how many users one querySchedule asks about.
	scheduleUsers = 20
)

var errScheduleForbidden = bot.Errorf(bot.EFORBIDDEN,
	"DingTalk does not let this app read free/busy time. An admin must grant the app the calendar permission \"Calendar.EventSchedule.Read\" (日程忙闲读权限) and the contacts read permission in the DingTalk developer console.",
	"钉钉不允许本应用读取忙闲信息。请管理员在钉钉开发者后台为应用开通日程忙闲读权限（Calendar.EventSchedule.Read）和通讯录读权限。")

// unionIDs caches staff id → unionId.
type unionIDs struct {
	mu sync.Mutex
	m  map[string]string
}

func (a *Adapter) unionID(ctx context.Context, staffID string) (string, error) {
	a.unions.mu.Lock()
	id, ok := a.unions.m[staffID]
	a.unions.mu.Unlock()
	if ok {
		return id, nil
	}
	var res struct {
		UnionID string `json:"unionid"`
	}
	if err := a.topapi(ctx, pathUserGet, map[string]string{"userid": staffID}, &res); err != nil {
		return "", err
	}
	if res.UnionID == "" {
		return "", fmt.Errorf("dingtalk: %s: no unionid for %s", pathUserGet, staffID)
	}
	a.unions.mu.Lock()
	if a.unions.m == nil {
		a.unions.m = map[string]string{}
	}
	a.unions.m[staffID] = res.UnionID
	a.unions.mu.Unlock()
	return res.UnionID, nil
}

type scheduleTime struct {
	Date     string `json:"date"`
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

type querySchedule struct {
	UserIDs   []string `json:"userIds"`
	StartTime string   `json:"startTime"`
	EndTime   string   `json:"endTime"`
}

type scheduleAnswer struct {
	ScheduleInformation []struct {
		UserID        string `json:"userId"`
		Error         string `json:"error"`
		ScheduleItems []struct {
			Status string       `json:"status"`
			Start  scheduleTime `json:"start"`
			End    scheduleTime `json:"end"`
		} `json:"scheduleItems"`
	} `json:"scheduleInformation"`
}

// Busy implements bot.FreeBusy for accounts of this app (staff ids). A user
// DingTalk answers with an error for (outside the app's scope, say) is left
// out: not checked. Items whose status is free are not busy.
func (a *Adapter) Busy(ctx context.Context, who []bot.Account, from, to time.Time) (map[bot.Account][]bot.Interval, error) {
	byUnion := map[string]bot.Account{}
	var unions []string
	for _, acc := range who {
		u, err := a.unionID(ctx, acc.UserID)
		if isErrcode(err, userGone) {
			continue // not a user this app may see: not checked
		}
		if err != nil {
			return nil, scheduleError(err)
		}
		if _, dup := byUnion[u]; !dup {
			byUnion[u] = acc
			unions = append(unions, u)
		}
	}
	out := map[bot.Account][]bot.Interval{}
	for i := 0; i < len(unions); i += scheduleUsers {
		chunk := unions[i:min(i+scheduleUsers, len(unions))]
		var ans scheduleAnswer
		// Times in UTC with milliseconds: DingTalk refuses others
		// (ParsedISO8601TimestampError).
		req := querySchedule{UserIDs: chunk, StartTime: from.UTC().Format("2006-01-02T15:04:05.000Z"),
			EndTime: to.UTC().Format("2006-01-02T15:04:05.000Z")}
		path := fmt.Sprintf(pathQuerySchedule, url.PathEscape(chunk[0]))
		if err := a.apiCall(ctx, http.MethodPost, path, req, &ans); err != nil {
			return nil, scheduleError(err)
		}
		for _, info := range ans.ScheduleInformation {
			acc, ok := byUnion[info.UserID]
			if !ok || info.Error != "" {
				continue
			}
			ivs := []bot.Interval{}
			for _, it := range info.ScheduleItems {
				if strings.EqualFold(it.Status, "free") {
					continue
				}
				iv, err := scheduleInterval(it.Start, it.End)
				if err != nil {
					return nil, fmt.Errorf("dingtalk: querySchedule: %w", err)
				}
				ivs = append(ivs, iv)
			}
			bot.SortIntervals(ivs)
			out[acc] = ivs
		}
	}
	return out, nil
}

// scheduleInterval reads an item's start and end: a dateTime (RFC 3339), or
// a date for an all-day item, midnight in its timeZone (China's when none).
func scheduleInterval(start, end scheduleTime) (bot.Interval, error) {
	s, allDay, err1 := start.read()
	e, _, err2 := end.read()
	if err := errors.Join(err1, err2); err != nil {
		return bot.Interval{}, err
	}
	return bot.Interval{Start: s, End: e, AllDay: allDay}, nil
}

func (t scheduleTime) read() (time.Time, bool, error) {
	if t.DateTime != "" {
		v, err := time.Parse(time.RFC3339, t.DateTime)
		return v, false, err
	}
	loc := time.FixedZone("CST", 8*3600)
	if t.TimeZone != "" {
		if l, err := time.LoadLocation(t.TimeZone); err == nil {
			loc = l
		}
	}
	v, err := time.ParseInLocation("2006-01-02", t.Date, loc)
	return v, true, err
}

// scheduleError names the permission when DingTalk refuses for the want of
// one: HTTP 403 (Forbidden.AccessDenied…) on the new API, or the classic
// API's "no permission" code (60011) for the unionId look-up.
func scheduleError(err error) error {
	var e *apiError
	if errors.As(err, &e) && (e.status == http.StatusForbidden || strings.Contains(strings.ToLower(e.code), "forbidden") ||
		e.errcode == 60011) {
		return fmt.Errorf("%w (%v)", errScheduleForbidden, err)
	}
	return err
}
