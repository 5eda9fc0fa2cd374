// Package slack connects Tandem to Slack: slash commands, app mentions and
// direct messages in, Block Kit messages out, over the HTTP Events API or
// Socket Mode.
//
// Inbound deliveries are verified, normalized into *bot.Event and handed to a
// bot.Intake before Slack is acknowledged; the same normalization code serves
// both transports. Outbound messages come from the outbox through Send.
package slack

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

	"github.com/slack-go/slack"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Transport modes.
const (
	ModeHTTP   = "http"
	ModeSocket = "socket"
)

// Defaults. Slack drops a slash command or interaction that is not answered
// within 3 s; 2.5 s leaves room for the network and the response itself.
const (
	DefaultCommandName = "/tandem"
	DefaultAckBudget   = 2500 * time.Millisecond
	// slackAckDeadline is Slack's own limit; nothing we do may exceed it.
	slackAckDeadline = 3 * time.Second
	// maxBody bounds what we read before the signature is checked, so an
	// unauthenticated client cannot make us buffer arbitrary amounts.
	maxBody = 1 << 20
)

// Config holds what the adapter needs. Tokens are secrets: the adapter never
// logs them.
type Config struct {
	SigningSecret string // verifies HTTP requests; required in HTTP mode
	BotToken      string // xoxb-…, for the Web API
	AppToken      string // xapp-…, for Socket Mode only
	Mode          string // ModeHTTP (default) or ModeSocket
	// APIURL is the Web API base URL, ending in "/"; tests point it at a fake.
	APIURL string
	// TeamID is the workspace id (T…); learnt from auth.test when empty.
	TeamID string
	// BotUserID is the bot's own user id, used to strip its mention and to
	// ignore its own messages. When empty, Open asks auth.test.
	BotUserID string
	// CommandName is the slash command this app answers (default "/tandem").
	CommandName string
	// AckBudget is how long a slash command may wait for an inline answer
	// (default 2.5 s). A command or click not stored by halfway between it
	// and Slack's 3 s is refused with 503; one stored late is answered
	// through its response_url.
	AckBudget  time.Duration
	Now        func() time.Time // the clock for signature windows; default time.Now
	Log        *slog.Logger
	HTTPClient *http.Client // for the Web API and response_url; default has a 10 s timeout
}

// Adapter is the Slack side of Tandem: an HTTP handler set (Routes), a
// Socket Mode loop (Run) and a bot.Sender (Send).
type Adapter struct {
	cfg Config
	// conn is the Socket Mode connection's state (Connection).
	conn   bot.ConnState
	intake bot.Intake
	api    *slack.Client
	log    *slog.Logger
	http   *http.Client

	botUser atomic.Pointer[string]
	team    atomic.Pointer[string] // learnt from auth.test

	dmMu sync.Mutex
	dms  map[string]string // user id → DM channel id

	clicked clickedURLs // response_urls of clicks on ephemeral cards
}

var _ bot.Sender = (*Adapter)(nil)

// New checks cfg, fills in defaults and returns an adapter that hands inbound
// events to intake. It does not contact Slack; see Open.
func New(cfg Config, intake bot.Intake) (*Adapter, error) {
	if intake == nil {
		return nil, errors.New("slack: intake is required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	opts := []slack.Option{slack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	a := &Adapter{
		cfg:    cfg,
		intake: intake,
		api:    slack.New(cfg.BotToken, opts...),
		log:    cfg.Log,
		http:   cfg.HTTPClient,
		dms:    make(map[string]string),
	}
	a.setBotUserID(cfg.BotUserID)
	return a, nil
}

func (c *Config) setDefaults() error {
	if c.Mode == "" {
		c.Mode = ModeHTTP
	}
	switch c.Mode {
	case ModeHTTP:
		if c.SigningSecret == "" {
			return errors.New("slack: SigningSecret is required in http mode")
		}
	case ModeSocket:
		if !strings.HasPrefix(c.AppToken, "xapp-") {
			return errors.New("slack: socket mode needs an app-level token (xapp-…)")
		}
	default:
		return fmt.Errorf("slack: unknown mode %q (want %q or %q)", c.Mode, ModeHTTP, ModeSocket)
	}
	if c.BotToken == "" {
		return errors.New("slack: BotToken is required")
	}
	if c.CommandName == "" {
		c.CommandName = DefaultCommandName
	}
	budget, err := webhook.AckBudget("Slack", c.AckBudget, DefaultAckBudget, slackAckDeadline)
	if err != nil {
		return err
	}
	c.AckBudget = budget
	c.Now, c.Log, c.HTTPClient = webhook.Defaults(c.Now, c.Log, c.HTTPClient)
	return nil
}

// Platform implements bot.Sender.
func (a *Adapter) Platform() string { return bot.PlatformSlack }

// Open learns the bot's own user id from auth.test when it was not
// configured. In HTTP mode a failure is only logged: events still carry the
// bot's id in their authorizations, so the adapter keeps working while Slack
// is unreachable. In Socket Mode nothing works without Slack, so it fails.
// It also learns the workspace (team) id, which the directory needs to name
// accounts it finds before their owners have written to Tandem.
func (a *Adapter) Open(ctx context.Context) error {
	if a.botUserID() != "" && a.TeamID() != "" {
		return nil
	}
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if a.cfg.Mode == ModeSocket && a.botUserID() == "" {
			return fmt.Errorf("slack: auth.test: %w", err)
		}
		a.log.Warn("slack: auth.test failed; the bot user id will be taken from events", "err", err)
		return nil
	}
	if a.botUserID() == "" {
		a.setBotUserID(res.UserID)
	}
	a.team.Store(&res.TeamID)
	return nil
}

// TeamID is the workspace id from the configuration or auth.test; "" when
// neither gave it.
func (a *Adapter) TeamID() string {
	if p := a.team.Load(); p != nil {
		return *p
	}
	return a.cfg.TeamID
}

func (a *Adapter) botUserID() string {
	if p := a.botUser.Load(); p != nil {
		return *p
	}
	return ""
}

func (a *Adapter) setBotUserID(id string) {
	if id != "" {
		a.botUser.Store(&id)
	}
}

func (a *Adapter) now() time.Time { return a.cfg.Now() }
