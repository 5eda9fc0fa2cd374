// Package dingtalk connects Tandem to DingTalk (钉钉): bot messages (direct
// chats and group @-mentions) and interactive-card clicks in, text and
// markdown messages (and, given a card template, interactive cards) out,
// over Stream mode (a WebSocket the bot opens) or the robot's HTTP callback.
//
// Inbound messages are normalized into *bot.Event and handed to a bot.Intake
// before DingTalk is acknowledged; both transports share the normalization.
// Replies are never given inline: every event is accepted with wait = 0 and
// its replies come from the outbox through Send, which posts them to the
// conversation's session webhook while it is valid and through the robot
// OpenAPI otherwise. One path for both transports keeps the outbox's
// durability, retries and rate limits for every reply, and a Stream ack has
// no room for a message anyway.
//
// The Stream client is written here on gorilla/websocket rather than taken
// from github.com/open-dingtalk/dingtalk-stream-sdk-go: v0.9.1 can panic the
// process (send on a closed channel after a read error), and even the fixed
// v0.9.2-beta.1 does not fit Run(ctx): Start returns once connected and
// reconnects in detached goroutines whose lifetime is not tied to any
// context, every frame is handled with context.Background(), it logs through
// a global logger, its first connection failure is not retried, its reconnect
// backoff starts at a fixed 3 s, and it cannot be given an http.Client. Its
// wire format (payload/*.go) and the protocol description in
// open-dingtalk/developerpedia (docs/learn/stream/protocol.md) are what
// stream.go implements.
package dingtalk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Transport modes.
const (
	ModeStream = "stream" // the default: no public URL needed
	ModeHTTP   = "http"   // DingTalk POSTs each message to /dingtalk/robot
)

// Defaults.
const (
	DefaultAPIURL  = "https://api.dingtalk.com"
	DefaultOAPIURL = "https://oapi.dingtalk.com"
	// RoutePath is where the robot's HTTP callback is mounted (http mode).
	RoutePath = "/dingtalk/robot"

	// maxBody bounds what is read before the signature is checked. A bot
	// message is a few kilobytes; a megabyte leaves room for long texts.
	maxBody = 1 << 20
	// defaultReconnectWait is the first wait before reconnecting the
	// stream; it doubles after each failed attempt up to maxReconnectWait.
	defaultReconnectWait = time.Second
	maxReconnectWait     = time.Minute
)

// Config holds what the adapter needs. The secret is never logged.
type Config struct {
	ClientID     string // the app's AppKey (Client ID)
	ClientSecret string // the app's AppSecret (Client Secret): signs HTTP callbacks, gets tokens
	// RobotCode identifies the bot in the robot OpenAPI. For an enterprise
	// internal app's robot it equals the AppKey, which is the default.
	RobotCode string
	// CardTemplateID is the id of an interactive card template (互动卡片,
	// built in DingTalk's card platform, "….schema") that follows the
	// contract in card.go. When set, in stream mode, a message whose card
	// has buttons is sent as that card, and its buttons call back over
	// Stream; otherwise cards are markdown with each button shown as its
	// command. It is ignored in http mode, which has no Stream connection
	// for the clicks.
	CardTemplateID string
	// GroupTemplateID is the id of a scene group template (场景群模板, made
	// in the DingTalk developer console) whose robot is this app's robot.
	// CreateGroup needs it: DingTalk's API creates groups from a template,
	// and the template's robot is what puts the bot in the group.
	GroupTemplateID string
	Mode            string // ModeStream (default) or ModeHTTP
	// APIURL is the new OpenAPI base (default https://api.dingtalk.com):
	// tokens, proactive messages and the Stream gateway. Tests point it at
	// a fake.
	APIURL string
	// OAPIURL is the classic API base (default https://oapi.dingtalk.com),
	// where session webhooks live. A session webhook on any other host is
	// refused: in http mode it comes from an unsigned body, and posting
	// replies to wherever a forged body says would leak them.
	OAPIURL string
	// ReconnectWait is the first wait before the Stream connection is
	// opened again after it failed (default 1 s); it doubles per failure
	// up to a minute.
	ReconnectWait time.Duration
	// Nonces remembers which body each signature came with (http mode,
	// where it is required): see claimSign.
	Nonces     bot.Nonces
	Now        func() time.Time // the clock for signatures, session expiry and token caching
	Log        *slog.Logger
	HTTPClient *http.Client // default has a 10 s timeout
}

// Adapter is the DingTalk side of Tandem: an HTTP handler (Routes), a Stream
// loop (Run) and a bot.Sender (Send).
type Adapter struct {
	cfg Config
	// conn is the Stream connection's state (Connection).
	conn   bot.ConnState
	intake bot.Intake
	log    *slog.Logger
	http   *http.Client
	oapi   *url.URL

	tokMu    sync.Mutex
	token    string
	tokenExp time.Time

	direct directChats
	unions unionIDs // staff id → unionId, for the calendar

	readPacer webhook.Pacer // spaces readStatus calls (reads.go)
}

var (
	_ bot.Sender      = (*Adapter)(nil)
	_ bot.RateLimited = (*Adapter)(nil)
)

// New checks cfg, fills in defaults and returns an adapter that hands inbound
// events to intake. It does not contact DingTalk.
func New(cfg Config, intake bot.Intake) (*Adapter, error) {
	if intake == nil {
		return nil, errors.New("dingtalk: intake is required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	oapi, err := url.Parse(cfg.OAPIURL)
	if err != nil || oapi.Host == "" {
		return nil, fmt.Errorf("dingtalk: OAPIURL %q is not an absolute URL", cfg.OAPIURL)
	}
	if cfg.CardTemplateID != "" && cfg.Mode != ModeStream {
		cfg.Log.Warn("dingtalk: CardTemplateID is ignored in http mode: card clicks come back over Stream only")
	}
	return &Adapter{
		cfg:       cfg,
		intake:    intake,
		log:       cfg.Log,
		http:      cfg.HTTPClient,
		oapi:      oapi,
		readPacer: webhook.Pacer{Every: readPace},
	}, nil
}

func (c *Config) setDefaults() error {
	if c.Mode == "" {
		c.Mode = ModeStream
	}
	if c.Mode != ModeStream && c.Mode != ModeHTTP {
		return fmt.Errorf("dingtalk: unknown mode %q (want %q or %q)", c.Mode, ModeStream, ModeHTTP)
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return errors.New("dingtalk: ClientID (AppKey) and ClientSecret (AppSecret) are required")
	}
	if c.Mode == ModeHTTP && c.Nonces == nil {
		return errors.New("dingtalk: http mode needs Nonces, to bind each signature to its body")
	}
	if c.RobotCode == "" {
		c.RobotCode = c.ClientID
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.OAPIURL == "" {
		c.OAPIURL = DefaultOAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	c.OAPIURL = strings.TrimRight(c.OAPIURL, "/")
	if c.ReconnectWait <= 0 {
		c.ReconnectWait = defaultReconnectWait
	}
	c.Now, c.Log, c.HTTPClient = webhook.Defaults(c.Now, c.Log, c.HTTPClient)
	return nil
}

// Platform implements bot.Sender.
func (a *Adapter) Platform() string { return bot.PlatformDingTalk }

// Routes returns the robot's HTTP callback endpoint in http mode, to be set
// as the robot's message receiving address (消息接收地址); in stream mode
// there is nothing to mount and it returns an empty map.
func (a *Adapter) Routes() map[string]http.Handler {
	if a.cfg.Mode != ModeHTTP {
		return map[string]http.Handler{}
	}
	return map[string]http.Handler{RoutePath: http.HandlerFunc(a.serveRobot)}
}

func (a *Adapter) now() time.Time { return a.cfg.Now() }

// directChats remembers which conversation ids are one-to-one chats with
// the bot, and with whom, as learned from inbound messages. DingTalk's
// proactive API has one endpoint for groups and another for users, and a
// bot.Destination carries only a conversation id; this tells them apart
// without a round trip. It is only a hint (lost on restart, bounded): Send
// falls back to the user's direct chat when a group send is refused.
type directChats struct {
	mu sync.Mutex
	m  map[string]string // conversation id → the user's staff id
}

// maxDirectChats bounds the hint's memory. When full it starts over, which
// only costs a wrong first guess for chats not seen since.
const maxDirectChats = 50_000

func (d *directChats) remember(chatID, userID string) {
	if chatID == "" || userID == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxDirectChats {
		d.m = make(map[string]string)
	}
	d.m[chatID] = userID
}

func (d *directChats) user(chatID string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.m[chatID]
	return u, ok
}
