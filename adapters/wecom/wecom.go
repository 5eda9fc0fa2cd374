// Package wecom connects Tandem to WeCom (企业微信) through a self-built
// app: members' messages to the app and clicks on its template cards come in
// over the app's encrypted HTTP callback; messages go out through the app
// message API, and to groups through group robot webhooks.
//
// Inbound callbacks are verified (msg_signature over the ciphertext, within
// a replay window), decrypted (WXBizMsgCrypt: AES-256-CBC with the
// EncodingAESKey, receiveid = CorpID), normalized into *bot.Event and handed
// to a bot.Intake before WeCom is acknowledged. Outbound messages come from
// the outbox through Send.
//
// Of the silenceper/wechat SDK (v2.1.11, the design card's choice) the
// adapter uses what fits: util.Signature for msg_signature, the message
// package's SendRequestCommon/SendResponse/field types as the message/send
// wire format, and, in the test kit (wecomtest), util.EncryptMsg. It keeps
// its own code where silenceper falls short, each with a comment and a test
// (TestSilenceperShortfalls): silenceper has no app-callback handler, no
// template-card update, no media upload with a context and no email lookup
// (platforms.md §3); util.DecryptMsg does not check PKCS#7 fully
// (crypto.go); and its token cache and senders call a hard-coded
// qyapi.weixin.qq.com through a package-wide HTTP client without timeouts
// (send.go, accessToken).
package wecom

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tandemhq/tandem/adapters/webhook"
	"github.com/tandemhq/tandem/bot"
)

// Defaults and WeCom's own limits.
const (
	DefaultAPIURL = "https://qyapi.weixin.qq.com"
	// DefaultAckBudget is how long a callback waits for the intake to store
	// it; one not stored by then is refused with 503, never acknowledged.
	// WeCom drops the connection after 5 s and then redelivers a message (a
	// card click is not redelivered, reportedly), so 3 s leaves room for a
	// slow network.
	DefaultAckBudget = 3 * time.Second
	// wecomAckDeadline is WeCom's own limit for answering a callback.
	wecomAckDeadline = 5 * time.Second
	// maxBody bounds what we read before the signature is checked. WeCom's
	// callbacks are a few kilobytes (a text message is at most 2048 bytes).
	maxBody = 1 << 20
)

// Config holds what the adapter needs. Secret, Token, EncodingAESKey and the
// robot webhook URLs (whose key is a credential) are never logged.
type Config struct {
	CorpID         string // the corp (企业) id; also the receiveid of callbacks
	AgentID        int64  // the self-built app's AgentId
	Secret         string // the app's Secret, for access tokens
	Token          string // the callback Token, for msg_signature
	EncodingAESKey string // the callback EncodingAESKey (43 characters)
	// APIURL is the API base URL (default https://qyapi.weixin.qq.com);
	// tests point it at a fake.
	APIURL string
	// Robots maps a name to a group robot webhook URL. A destination with
	// ChatID "robot:<name>" posts there.
	Robots map[string]string
	// AckBudget is how long a callback waits for the intake to store it
	// before it is refused with 503 (default 3 s, below WeCom's 5 s).
	AckBudget  time.Duration
	Now        func() time.Time // the clock for the replay window, tokens and robot pacing; default time.Now
	Log        *slog.Logger
	HTTPClient *http.Client // default has a 10 s timeout
}

// Adapter is the WeCom side of Tandem: an HTTP handler (Routes) and a
// bot.Sender (Send) that declares its rate limits (Limits).
type Adapter struct {
	cfg    Config
	key    []byte // the AES key decoded from EncodingAESKey
	intake bot.Intake
	log    *slog.Logger
	http   *http.Client
	api    string // APIURL without a trailing slash

	tokMu    sync.Mutex
	token    string
	tokenExp time.Time // when the cached token should no longer be used

	robotMu   sync.Mutex
	robotSent map[string][]time.Time // robot name → send times in the last window
}

var _ bot.Sender = (*Adapter)(nil)

// New checks cfg, fills in defaults and returns an adapter that hands
// inbound events to intake. It does not contact WeCom.
func New(cfg Config, intake bot.Intake) (*Adapter, error) {
	if intake == nil {
		return nil, errors.New("wecom: intake is required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	key, err := decodeAESKey(cfg.EncodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("wecom: EncodingAESKey: %w", err)
	}
	return &Adapter{
		cfg:       cfg,
		key:       key,
		intake:    intake,
		log:       cfg.Log,
		http:      cfg.HTTPClient,
		api:       strings.TrimRight(cfg.APIURL, "/"),
		robotSent: make(map[string][]time.Time),
	}, nil
}

func (c *Config) setDefaults() error {
	switch {
	case c.CorpID == "":
		return errors.New("wecom: CorpID is required")
	case c.AgentID <= 0:
		return errors.New("wecom: AgentID is required")
	case c.Secret == "":
		return errors.New("wecom: Secret is required")
	case c.Token == "":
		return errors.New("wecom: Token is required")
	}
	for name, u := range c.Robots {
		if name == "" || !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return fmt.Errorf("wecom: robot %q needs a webhook URL", name)
		}
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	budget, err := webhook.AckBudget("WeCom", c.AckBudget, DefaultAckBudget, wecomAckDeadline)
	if err != nil {
		return err
	}
	c.AckBudget = budget
	c.Now, c.Log, c.HTTPClient = webhook.Defaults(c.Now, c.Log, c.HTTPClient)
	return nil
}

// Platform implements bot.Sender.
func (a *Adapter) Platform() string { return bot.PlatformWeCom }

func (a *Adapter) now() time.Time { return a.cfg.Now() }
