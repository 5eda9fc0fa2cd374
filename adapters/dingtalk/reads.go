package dingtalk

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Read receipts: GET /v1.0/robot/oToMessages/readStatus?robotCode&
// processQueryKey (robot_1.0 BatchOTOQuery) tells, for a robot message sent
// to people's one-to-one chats with the bot (oToMessages/batchSend), each
// recipient's readStatus ("READ" or "UNREAD") and readTimestamp. The
// processQueryKey is what batchSend answered, which Send returns as the
// message's remote id.
//
// What it does not cover, left out of MessageReads without a call:
// interactive cards (their remote id is the card's outTrackId, "tandem-…",
// which the read API does not take). A group message's processQueryKey
// (groupMessages/send) is refused by the one-to-one API and so left out
// too; DingTalk's group read query (groupMessages/query) needs the
// conversation as well, which a remote id does not carry.

var _ bot.ReadReporter = (*Adapter)(nil)

const (
	pathReadStatus = "/v1.0/robot/oToMessages/readStatus"
	// readWindow is how long Tandem asks DingTalk about a message. DingTalk
	// documents no limit for readStatus; seven days is Feishu's, covers an
	// ask's usual deadline (within a working week), and bounds what the
	// read poll costs: every message inside the window is asked about a few
	// times a working day, one call per message.
	readWindow = 7 * 24 * time.Hour
	// readPace spaces readStatus calls: DingTalk allows each API 20 calls
	// a second per corp on the smallest edition; half of that leaves room
	// for whatever else the corp's apps call it for.
	readPace = time.Second / 10
	// secondsBefore tells a readTimestamp in seconds from one in
	// milliseconds: the classic API (robot.message.ototask.query) gave
	// seconds, the new one milliseconds; a value in milliseconds is past
	// 1e12 for any date after 2001.
	secondsBefore = 1_000_000_000_000
)

type readStatusResponse struct {
	SendStatus          string `json:"sendStatus"`
	MessageReadInfoList []struct {
		Name          string `json:"name"`
		UserID        string `json:"userId"`
		ReadStatus    string `json:"readStatus"` // "READ" or "UNREAD"
		ReadTimestamp int64  `json:"readTimestamp"`
	} `json:"messageReadInfoList"`
}

// ReadWindow implements bot.ReadReporter.
func (a *Adapter) ReadWindow() time.Duration { return readWindow }

// MessageReads implements bot.ReadReporter: the recipients of each robot
// message who read it, one readStatus call per message. The adapter serves
// one corp (its robot), so workspace is not needed. A message DingTalk
// refuses to answer for (unknown or expired key, a group message) is left
// out; a rate limit, a refused token or permission, a network failure or
// DingTalk's own trouble ends the call with an error.
func (a *Adapter) MessageReads(ctx context.Context, workspace string, remoteIDs []string) ([]bot.MessageRead, error) {
	var out []bot.MessageRead
	for _, id := range remoteIDs {
		if id == "" || strings.HasPrefix(id, cardIDPrefix) {
			continue
		}
		if err := a.readPacer.Wait(ctx); err != nil {
			return nil, err
		}
		q := url.Values{"robotCode": {a.cfg.RobotCode}, "processQueryKey": {id}}
		var ans readStatusResponse
		err := a.apiCall(ctx, http.MethodGet, pathReadStatus+"?"+q.Encode(), nil, &ans)
		if err != nil {
			if unanswerable(err) {
				continue
			}
			return nil, err
		}
		for _, r := range ans.MessageReadInfoList {
			if r.UserID == "" || !strings.EqualFold(r.ReadStatus, "READ") {
				continue
			}
			out = append(out, bot.MessageRead{RemoteID: id, UserID: r.UserID, At: a.readTime(r.ReadTimestamp)})
		}
	}
	return out, nil
}

// unanswerable reports whether err is DingTalk refusing the one message
// (a permanent 4xx about the request) rather than the app: a refused
// permission (403, "Forbidden…") would refuse every message alike and is an
// error the operator must see.
func unanswerable(err error) bool {
	if !isPermanent(err) {
		return false
	}
	var e *apiError
	if !errors.As(err, &e) {
		return false
	}
	return e.status != http.StatusForbidden && !strings.Contains(strings.ToLower(e.code), "forbidden")
}

// readTime converts a readTimestamp; a read without one happened no later
// than now.
func (a *Adapter) readTime(ts int64) time.Time {
	switch {
	case ts <= 0:
		return a.now()
	case ts < secondsBefore:
		return time.Unix(ts, 0)
	}
	return time.UnixMilli(ts)
}
