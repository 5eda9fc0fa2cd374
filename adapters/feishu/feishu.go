// Package feishu connects Tandem to Feishu (飞书) and its international
// edition Lark: direct messages and group messages that mention the bot in,
// text and interactive cards out, over HTTP event callbacks or the long
// connection (WebSocket).
//
// Inbound deliveries are authenticated (signature, timestamp window and
// verification token), decrypted, normalized into *bot.Event and handed to
// a bot.Intake before Feishu is acknowledged; the same normalization code
// serves both transports. Outbound messages come from the outbox through
// Send, which talks to the Open API with a cached tenant_access_token.
//
// Setting up the app (a custom app, 企业自建应用, on open.feishu.cn or
// open.larksuite.com):
//
//   - Enable the bot ability and publish a version.
//   - Scopes: im:message.p2p_msg:readonly (direct messages),
//     im:message.group_at_msg:readonly (group messages that mention the
//     bot), im:message:send_as_bot (sending, replying and patching the
//     cards it sent), im:resource (uploading pictures),
//     calendar:calendar.free_busy:read (meeting conflicts: Busy),
//     im:message:readonly (who read the bot's messages: MessageReads).
//   - Events: subscribe to im.message.receive_v1; callbacks: to
//     card.action.trigger (the new-style card callback; the legacy one is
//     not supported).
//   - HTTP mode: set https://<host>/feishu/events as both the event and the
//     callback request URL, and set an Encrypt Key (strongly recommended:
//     only then are requests signed) and copy it and the Verification Token
//     into Config. Long-connection mode (Mode "ws") needs neither.
//
// Cards are sent shared ("update_multi": true), so that Send can patch
// them in place when their subject changes (see edit); pictures are uploaded
// by UploadImage and shown in the card or as an image message.
//
// Cards Tandem sends carry, on each button, the value object
// {"action_id": "task.start", "value": "12"} (see ButtonValue); a click
// comes back as a bot.Event whose Action is {ID: "task.start", Value: "12"}.
package feishu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Transport modes.
const (
	ModeHTTP = "http" // event callbacks to Routes, behind a public URL
	ModeWS   = "ws"   // long connection opened by Run; custom (self-built) apps only
)

// Hosts. Feishu (China) and Lark (international) are separate deployments
// with the same API; an app exists on exactly one of them.
const (
	HostFeishu = "feishu"
	HostLark   = "lark"

	FeishuBaseURL = "https://open.feishu.cn"
	LarkBaseURL   = "https://open.larksuite.com"
)

// Defaults. Feishu expects callbacks (card.action.trigger) and events to be
// answered within 3 s; 2.5 s leaves room for the network and the response.
const (
	DefaultAckBudget = 2500 * time.Millisecond
	// feishuAckDeadline is Feishu's own limit; nothing we do may exceed it.
	feishuAckDeadline = 3 * time.Second
	// maxBody bounds what we read before the signature is checked, so an
	// unauthenticated client cannot make us buffer arbitrary amounts.
	maxBody = 1 << 20
)

// Config holds what the adapter needs. AppSecret, VerificationToken and
// EncryptKey are secrets: the adapter never logs them.
type Config struct {
	AppID     string // cli_…; required
	AppSecret string // required: Send and the long connection need it
	// VerificationToken is compared with the token in every HTTP delivery
	// (header.token in schema 2.0, token in 1.0); required in HTTP mode.
	VerificationToken string
	// EncryptKey, when set (recommended), makes Feishu encrypt payloads and
	// sign requests; the adapter then refuses unsigned or stale requests.
	EncryptKey string
	// Host is "feishu" (default), "lark", or a base URL such as
	// "http://127.0.0.1:8080" (tests point it at a fake Open API).
	Host string
	Mode string // ModeHTTP (default) or ModeWS
	// BotOpenID is the bot's own open_id, used to recognize its mention and
	// its own messages. When empty, Open asks /open-apis/bot/v3/info.
	BotOpenID string
	// AckBudget is how long a card click may wait for an inline answer
	// (default 2.5 s). A click not stored by halfway between it and
	// Feishu's 3 s is refused with 503; one stored late is answered by
	// message.
	AckBudget  time.Duration
	Now        func() time.Time // the clock for signature windows and token expiry; default time.Now
	Log        *slog.Logger
	HTTPClient *http.Client // for the Open API; default has a 10 s timeout
}

// Adapter is the Feishu side of Tandem: an HTTP handler (Routes), a long
// connection loop (Run) and a bot.Sender (Send).
type Adapter struct {
	cfg Config
	// conn is the long connection's state (Connection).
	conn   bot.ConnState
	base   string // Open API base URL, without a trailing slash
	intake bot.Intake
	log    *slog.Logger
	http   *http.Client

	botID atomic.Pointer[string]

	tokMu  sync.Mutex // held while fetching, so concurrent sends share one request
	tok    string
	tokExp time.Time

	readPacer webhook.Pacer // spaces read_users calls (reads.go)
}

var _ bot.Sender = (*Adapter)(nil)

// New checks cfg, fills in defaults and returns an adapter that hands
// inbound events to intake. It does not contact Feishu; see Open.
func New(cfg Config, intake bot.Intake) (*Adapter, error) {
	if intake == nil {
		return nil, errors.New("feishu: intake is required")
	}
	base, err := cfg.setDefaults()
	if err != nil {
		return nil, err
	}
	a := &Adapter{cfg: cfg, base: base, intake: intake, log: cfg.Log, http: cfg.HTTPClient}
	a.readPacer.Every = readPace
	a.setBotID(cfg.BotOpenID)
	return a, nil
}

func (c *Config) setDefaults() (base string, err error) {
	if c.Mode == "" {
		c.Mode = ModeHTTP
	}
	switch c.Mode {
	case ModeHTTP:
		if c.VerificationToken == "" {
			return "", errors.New("feishu: VerificationToken is required in http mode")
		}
	case ModeWS:
	default:
		return "", fmt.Errorf("feishu: unknown mode %q (want %q or %q)", c.Mode, ModeHTTP, ModeWS)
	}
	if c.AppID == "" || c.AppSecret == "" {
		return "", errors.New("feishu: AppID and AppSecret are required")
	}
	if base, err = baseURL(c.Host); err != nil {
		return "", err
	}
	budget, err := webhook.AckBudget("Feishu", c.AckBudget, DefaultAckBudget, feishuAckDeadline)
	if err != nil {
		return "", err
	}
	c.AckBudget = budget
	c.Now, c.Log, c.HTTPClient = webhook.Defaults(c.Now, c.Log, c.HTTPClient)
	return base, nil
}

// baseURL maps Config.Host to the Open API base URL.
func baseURL(host string) (string, error) {
	switch h := strings.ToLower(strings.TrimSpace(host)); {
	case h == "" || h == HostFeishu:
		return FeishuBaseURL, nil
	case h == HostLark:
		return LarkBaseURL, nil
	case strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "https://"):
		return strings.TrimRight(strings.TrimSpace(host), "/"), nil
	}
	return "", fmt.Errorf("feishu: unknown host %q (want %q, %q or a base URL)", host, HostFeishu, HostLark)
}

// Platform implements bot.Sender.
func (a *Adapter) Platform() string { return bot.PlatformFeishu }

// BaseURL returns the Open API base URL the adapter talks to.
func (a *Adapter) BaseURL() string { return a.base }

// Open learns the bot's own open_id from /open-apis/bot/v3/info when it was
// not configured. In HTTP mode a failure is only logged: the adapter keeps
// working (a group message's leading mention is then taken to be the bot's).
// On the long connection nothing works without Feishu, so it fails.
func (a *Adapter) Open(ctx context.Context) error {
	if a.botOpenID() != "" {
		return nil
	}
	id, err := a.fetchBotID(ctx)
	if err != nil {
		if a.cfg.Mode == ModeWS {
			return fmt.Errorf("feishu: bot info: %w", err)
		}
		a.log.Warn("feishu: bot info failed; the bot's own mention will be guessed", "err", err)
		return nil
	}
	a.setBotID(id)
	return nil
}

func (a *Adapter) botOpenID() string {
	if p := a.botID.Load(); p != nil {
		return *p
	}
	return ""
}

func (a *Adapter) setBotID(id string) {
	if id != "" {
		a.botID.Store(&id)
	}
}

func (a *Adapter) now() time.Time { return a.cfg.Now() }
