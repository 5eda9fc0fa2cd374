package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tandemhq/tandem/bot"
)

// Read receipts: GET im/v1/messages/:message_id/read_users lists who read
// one of the bot's own messages (readers only, paged), for messages up to
// seven days old (next-features.md §4).
//
// The call goes through the adapter's own call (not the SDK's
// larkim Message.ReadUsers, which exists): call shares the adapter's one
// cached tenant_access_token, its token refresh and its error classification
// (rate limits, permanent codes), and follows Config.Host, which the test
// kit points at its fake. The SDK's client would keep a second token cache
// and classify errors in its own way.

var _ bot.ReadReporter = (*Adapter)(nil)

const (
	pathReadUsers = "/open-apis/im/v1/messages/%s/read_users"
	// readWindow is how long Feishu answers read_users for a message: "only
	// messages sent within 7 days" (error 230033 after that).
	readWindow = 7 * 24 * time.Hour
	// readPageSize is read_users' largest page.
	readPageSize = 100
	// readPace spaces read_users calls: Feishu allows 1000 a minute and 50
	// a second per app, and one call reads one page of one message; 16 a
	// second stays under both.
	readPace = time.Second / 16
	// maxReadPages bounds the pages asked for one message, so a platform
	// that kept answering has_more could not keep the poll going forever:
	// 100 pages of 100 readers is more than any chat Tandem posts into.
	maxReadPages = 100
)

// unanswerableCodes mean Feishu no longer answers for that one message: too
// old (230033), recalled (230011), the bot left the chat (230002), or an id
// it does not know (230001). The message is left out of the answer; the
// others are still asked.
var unanswerableCodes = map[int]bool{230033: true, 230011: true, 230002: true, 230001: true}

// ReadWindow implements bot.ReadReporter.
func (a *Adapter) ReadWindow() time.Duration { return readWindow }

// MessageReads implements bot.ReadReporter: the readers of each message,
// every page of each. The adapter serves one tenant, so workspace is not
// needed to address the call. A message Feishu no longer answers for is
// left out; any other failure (rate limit, token, network, Feishu's own
// trouble) ends the call with an error, and the caller asks again later.
func (a *Adapter) MessageReads(ctx context.Context, workspace string, remoteIDs []string) ([]bot.MessageRead, error) {
	var out []bot.MessageRead
	for _, id := range remoteIDs {
		if id == "" {
			continue
		}
		reads, err := a.messageReaders(ctx, id)
		if ae, ok := errors.AsType[*apiError](err); ok && unanswerableCodes[ae.Code] {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, reads...)
	}
	return out, nil
}

type readUsersPage struct {
	Items []struct {
		UserIDType string `json:"user_id_type"`
		UserID     string `json:"user_id"`
		Timestamp  string `json:"timestamp"` // milliseconds, as a string
	} `json:"items"`
	HasMore   bool   `json:"has_more"`
	PageToken string `json:"page_token"`
}

// messageReaders reads every page of one message's readers.
func (a *Adapter) messageReaders(ctx context.Context, id string) ([]bot.MessageRead, error) {
	path := fmt.Sprintf(pathReadUsers, url.PathEscape(id))
	var out []bot.MessageRead
	token := ""
	for range maxReadPages {
		q := url.Values{"user_id_type": {"open_id"}, "page_size": {strconv.Itoa(readPageSize)}}
		if token != "" {
			q.Set("page_token", token)
		}
		if err := a.readPacer.Wait(ctx); err != nil {
			return nil, err
		}
		r, err := a.call(ctx, "im.message.read_users", http.MethodGet, path, q, nil)
		if err != nil {
			return nil, err
		}
		var page readUsersPage
		if err := json.Unmarshal(r.Data, &page); err != nil {
			return nil, fmt.Errorf("feishu: im.message.read_users: %w", err)
		}
		for _, it := range page.Items {
			if it.UserID == "" {
				continue
			}
			// Feishu documents the timestamp; should one be missing the
			// read happened no later than now.
			read := bot.MessageRead{RemoteID: id, UserID: it.UserID, At: a.now()}
			if ms, err := strconv.ParseInt(it.Timestamp, 10, 64); err == nil && ms > 0 {
				read.At = time.UnixMilli(ms)
			}
			out = append(out, read)
		}
		if !page.HasMore || page.PageToken == "" {
			break
		}
		token = page.PageToken
	}
	return out, nil
}
