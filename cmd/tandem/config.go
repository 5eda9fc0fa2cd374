package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/adapters/icsbusy"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/scheduler"
)

// Config is the whole configuration. Every field has a default, so Tandem runs
// with no file at all. Types live here, in cmd, so no package below knows
// the file's shape.
type Config struct {
	Log         LogConfig          `yaml:"log"`
	HTTP        HTTPConfig         `yaml:"http"`
	Storage     StorageConfig      `yaml:"storage"`
	Bot         BotConfig          `yaml:"bot"`
	Console     ConsoleConfig      `yaml:"console"`
	Slack       *SlackConfig       `yaml:"slack"`
	Feishu      []FeishuConfig     `yaml:"feishu"`
	WeCom       []WeComConfig      `yaml:"wecom"`
	DingTalk    []DingTalkConfig   `yaml:"dingtalk"`
	Departments []DepartmentConfig `yaml:"departments"`
	People      []PersonConfig     `yaml:"people"`
	Calendar    CalendarConfig     `yaml:"calendar"`
	Directory   DirectoryConfig    `yaml:"directory"`
	Tickets     TicketsConfig      `yaml:"tickets"`
	Meetings    MeetingsConfig     `yaml:"meetings"`
	Projects    ProjectsConfig     `yaml:"projects"`
	Asks        AsksConfig         `yaml:"asks"`
	Announce    AnnounceConfig     `yaml:"announce"`
	Requests    RequestsConfig     `yaml:"requests"`
	Stats       StatsConfig        `yaml:"stats"`
}

// DirectoryConfig is how the platforms' user directories are used: every
// configured app's directory gives newly seen accounts their profile, and
// links a person's accounts across platforms.
type DirectoryConfig struct {
	// Match lists what links accounts across platforms: email, mobile.
	// An empty list links only by the link command.
	Match []string `yaml:"match"`
	// Sync is when the departments mapped in departments[].directory are
	// imported: a schedule (cron:…, workdays:HH:MM) or off.
	Sync string `yaml:"sync"`
}

// LogConfig selects the log format and level.
type LogConfig struct {
	Format string `yaml:"format"` // text or json
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// HTTPConfig is the webhook server.
type HTTPConfig struct {
	Addr string `yaml:"addr"`
	// PublicURL is where the platforms reach this server (used in the Slack
	// manifest), e.g. https://tandem.example.com.
	PublicURL string `yaml:"public_url"`
	// Metrics is /metrics, Prometheus' exposition of the process's counts.
	Metrics MetricsConfig `yaml:"metrics"`
	// Drain is how long a stopping server keeps serving with /readyz
	// failing, so that a load balancer probing /readyz stops sending to it
	// first (replicas); 0 stops at once.
	Drain time.Duration `yaml:"drain"`
}

// MetricsConfig turns /metrics on or off and guards it.
type MetricsConfig struct {
	Enabled bool `yaml:"enabled"`
	// Token, when set, must come with each scrape as "Authorization: Bearer
	// <token>" (Prometheus: authorization: {credentials: …}).
	Token string `yaml:"token"`
}

// StorageConfig selects the database.
type StorageConfig struct {
	// Driver is sqlite (one server, the default) or postgres (several
	// replicas can share it; docs/postgres.md).
	Driver string `yaml:"driver"`
	// Path is the SQLite file. Its directory is the data directory (the
	// console's secret, pictures, files) with either driver.
	Path string `yaml:"path"`
	// DSNEnv names the environment variable that holds the PostgreSQL
	// connection string (driver postgres), so that its password is never
	// in the file.
	DSNEnv string `yaml:"dsn_env"`
	// Synchronous is full (survives power loss) or normal (survives
	// crashes); SQLite only.
	Synchronous string `yaml:"synchronous"`
	// Retention is how long finished rows are kept before they are pruned.
	Retention RetentionConfig `yaml:"retention"`
	// Leases is how long a process holds what it claimed: the longest the
	// work of a process that died stays undone before another takes it.
	Leases LeasesConfig `yaml:"leases"`
}

// LeasesConfig is how long a process holds its claims (Go durations). A
// process that dies holding a claim leaves it to the others (replicas on
// PostgreSQL, or itself restarted) only when the claim's lease ends.
type LeasesConfig struct {
	// Work is the lease of a claimed job or outgoing message.
	Work time.Duration `yaml:"work"`
	// Connection is the lease of a platform's long connection (DingTalk
	// Stream, Feishu's and Slack's sockets): the one replica holding it
	// keeps the connection open.
	Connection time.Duration `yaml:"connection"`
}

// RetentionConfig is how long finished rows are kept (Go durations: 72h).
type RetentionConfig struct {
	// Inbox keeps handled inbound events, which deduplicate redeliveries:
	// longer than any platform redelivers, and at least 24h.
	Inbox time.Duration `yaml:"inbox"`
	// Sent keeps outgoing messages that were delivered; at least 24h (a
	// day's digest is kept to one by its row).
	Sent time.Duration `yaml:"sent"`
	// Jobs keeps done and cancelled jobs.
	Jobs time.Duration `yaml:"jobs"`
	// Dead keeps jobs and messages that failed for good, for admins.
	Dead time.Duration `yaml:"dead"`
}

// where says which database the store is, for logs: the SQLite file or
// the variable the PostgreSQL DSN is read from (never the DSN itself).
func (s StorageConfig) where() string {
	if s.Driver == "postgres" {
		return "$" + s.DSNEnv
	}
	return s.Path
}

func (r RetentionConfig) retention() scheduler.Retention {
	return scheduler.Retention{Inbox: r.Inbox, Sent: r.Sent, Jobs: r.Jobs, Dead: r.Dead}
}

// BotConfig holds defaults for people who have not chosen.
type BotConfig struct {
	DefaultLang string `yaml:"default_lang"` // en or zh-CN
	DefaultTZ   string `yaml:"default_tz"`   // IANA zone
	// DueTime is the time of day a due date without a clock means.
	DueTime string `yaml:"due_time"`
	// NotifyWindow is how long a notification about a task waits for more
	// changes to the task, so that they arrive as one message ("60s"; "0s"
	// sends each at once).
	NotifyWindow string `yaml:"notify_window"`
	// QuietHours ("22:00-08:00", in each reader's own zone) hold back
	// notifications that are not urgent until they end; "" means none.
	QuietHours string `yaml:"quiet_hours"`
	// Registration is how an account seen for the first time joins: open
	// (a member at once, the default) or approval (it waits until an admin
	// lets it in; people from the config or a directory are members at
	// once). It lives under bot because people is the list of people.
	Registration string `yaml:"registration"`
}

// ConsoleConfig is the local console adapter (`tandem chat`). Over HTTP it
// needs the secret in the data directory, and it refuses web pages.
type ConsoleConfig struct {
	Enabled bool `yaml:"enabled"`
	// AllowRemote lets the console run on a non-loopback http.addr, and
	// take requests through a proxy. Off, such a config is refused.
	AllowRemote bool `yaml:"allow_remote"`
	// Hosts are host names that requests may name (the Host header) besides
	// loopback ones and http.addr's host: the name remote clients use.
	Hosts []string `yaml:"hosts"`
}

// SlackConfig is one Slack app.
type SlackConfig struct {
	Mode          string `yaml:"mode"` // http or socket
	SigningSecret string `yaml:"signing_secret"`
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"`
	BotUserID     string `yaml:"bot_user_id"`
	// Workspace is the team id (T…); learnt from auth.test when empty.
	Workspace string `yaml:"workspace"`
	Command   string `yaml:"command"`
	APIURL    string `yaml:"api_url"`
}

// FeishuConfig is one Feishu or Lark app (custom app, 企业自建应用).
type FeishuConfig struct {
	// Name tells apps of one platform apart: the first one's webhook is
	// /feishu/events, another's /feishu/<name>/events.
	Name string `yaml:"name"`
	// Workspace is the tenant key messages to this app's users carry; needed
	// when there is more than one app.
	Workspace         string `yaml:"workspace"`
	AppID             string `yaml:"app_id"`
	AppSecret         string `yaml:"app_secret"`
	VerificationToken string `yaml:"verification_token"`
	EncryptKey        string `yaml:"encrypt_key"`
	Host              string `yaml:"host"` // feishu (default), lark, or a base URL
	Mode              string `yaml:"mode"` // http (default) or ws
}

// WeComConfig is one WeCom self-built app (自建应用).
type WeComConfig struct {
	Name           string            `yaml:"name"`
	CorpID         string            `yaml:"corp_id"`
	AgentID        int64             `yaml:"agent_id"`
	Secret         string            `yaml:"secret"`
	Token          string            `yaml:"token"`
	EncodingAESKey string            `yaml:"encoding_aes_key"`
	Robots         map[string]string `yaml:"robots"` // group robot webhooks by name
	APIURL         string            `yaml:"api_url"`
}

// DingTalkConfig is one DingTalk app with a robot.
type DingTalkConfig struct {
	Name         string `yaml:"name"`
	Workspace    string `yaml:"workspace"` // the corp id; needed when there is more than one app
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	RobotCode    string `yaml:"robot_code"`
	Mode         string `yaml:"mode"` // stream (default) or http
	APIURL       string `yaml:"api_url"`
	OAPIURL      string `yaml:"oapi_url"`
	// CardTemplateID is an interactive card template (卡片平台) for cards
	// with buttons; without it buttons show the command to type.
	CardTemplateID string `yaml:"card_template_id"`
	// GroupTemplateID is a scene group template (场景群模板) whose robot is
	// this app's: war rooms are created from it.
	GroupTemplateID string `yaml:"group_template_id"`
}

// DepartmentConfig seeds a department.
type DepartmentConfig struct {
	Name string `yaml:"name"`
	Head string `yaml:"head"` // a handle from people
	// Directory lists the platform departments (Slack: user groups) whose
	// members belong here: "platform[/app]:id-or-name", e.g.
	// "feishu:od-4e6ac…", "wecom:2", "dingtalk/hq:设计部", "slack:S0123".
	Directory []string `yaml:"directory"`
	// Chats are the department's group chats, where a ticket ladder's
	// "group" step posts (commands/ticket Config.Groups).
	Chats []DeptChatConfig `yaml:"chats"`
}

// DeptChatConfig is one group chat of a department: the platform, the
// workspace of the app that posts there (optional when the platform has
// one app), and the chat's id on the platform (Slack channel C…, Feishu
// chat oc_…, WeCom appchat chatid, DingTalk openConversationId cid…).
type DeptChatConfig struct {
	Platform  string `yaml:"platform"`
	Workspace string `yaml:"workspace"`
	ChatID    string `yaml:"chat_id"`
}

// PersonConfig seeds a person and their accounts.
type PersonConfig struct {
	Name   string `yaml:"name"`
	Handle string `yaml:"handle"`
	Email  string `yaml:"email"`
	Mobile string `yaml:"mobile"` // links the person's platform accounts by directory lookup
	Role   string `yaml:"role"`   // member, head or admin
	Dept   string `yaml:"dept"`
	Lang   string `yaml:"lang"`
	TZ     string `yaml:"tz"`
	// Position is the job title ("Designer", "产品经理"); Manager is the
	// handle of the person they report to, another of people. Both are the
	// config's at every start, and a directory does not change them.
	Position string `yaml:"position"`
	Manager  string `yaml:"manager"`
	// Accounts are "platform:workspace:user_id", or "console:NAME".
	Accounts []string `yaml:"accounts"`
	// CalendarURL is an iCalendar address of the person's calendar (a
	// published free/busy or whole calendar: Google's secret address in
	// iCal format, Outlook's published ICS, a CalDAV export), read for
	// meeting conflicts. It carries a secret: keep the config private.
	CalendarURL string `yaml:"calendar_url"`
}

// handle is the person's handle as seeding gives it: the configured one,
// lower-cased, or one made from the name.
// checkManagers checks people[].manager: a handle in people, not the
// person's own, and no chain of managers that comes back to where it began.
func (c Config) checkManagers(handles map[string]bool, bad func(path, format string, args ...any)) {
	managerOf := map[string]string{}
	for i, pc := range c.People {
		m := strings.ToLower(pc.Manager)
		if m == "" {
			continue
		}
		path := fmt.Sprintf("people[%d].manager", i)
		switch {
		case !handles[m]:
			bad(path, "%q is not a handle in people", pc.Manager)
		case m == pc.handle():
			bad(path, "%q is the person themselves", pc.Manager)
		default:
			managerOf[pc.handle()] = m
		}
	}
	for i, pc := range c.People {
		seen := map[string]bool{pc.handle(): true}
		for h := managerOf[pc.handle()]; h != ""; h = managerOf[h] {
			if seen[h] {
				if h == pc.handle() {
					bad(fmt.Sprintf("people[%d].manager", i), "the managers of %q come back to them", pc.handle())
				}
				break
			}
			seen[h] = true
		}
	}
}

func (pc PersonConfig) handle() string {
	if h := strings.ToLower(pc.Handle); h != "" {
		return h
	}
	return bot.HandleFrom(pc.Name, "")
}

// CalendarConfig is the work calendar: working days, business hours,
// holidays and make-up working days (调休). See newCalendar.
type CalendarConfig struct {
	// Region selects embedded holiday data: CN (mainland China); "" or
	// "none" means weekends only.
	Region string `yaml:"region"`
	// Timezone is the calendar's zone; empty means bot.default_tz.
	Timezone string `yaml:"timezone"`
	// Hours are the business hours, e.g. "09:00-12:00, 13:30-18:00".
	Hours string `yaml:"hours"`
	// Departments maps a department name to its own business hours.
	Departments map[string]string `yaml:"departments"`
	// Days are set after the region's data and the ics feeds, in order.
	Days []CalendarDayConfig `yaml:"days"`
	// ICS are iCalendar files imported at start, in order: later ones
	// override earlier ones (and the region's data).
	ICS []string `yaml:"ics"`
}

// CalendarDayConfig sets one day: off (a holiday) or a working day (a
// make-up day, named after the holiday it makes up for).
type CalendarDayConfig struct {
	Date string `yaml:"date"` // YYYY-MM-DD
	Off  bool   `yaml:"off"`
	Name string `yaml:"name"`
}

// DefaultConfig is what Tandem runs with when nothing is configured.
func DefaultConfig() Config {
	return Config{
		Log:  LogConfig{Format: "text", Level: "info"},
		HTTP: HTTPConfig{Addr: "127.0.0.1:8080", Metrics: MetricsConfig{Enabled: true}},
		Storage: StorageConfig{Driver: "sqlite", Path: "./data/tandem.db", DSNEnv: "TANDEM_PG_DSN", Synchronous: "full", Retention: defaultRetention(),
			Leases: LeasesConfig{Work: time.Minute, Connection: connLeaseTTL}},
		Bot:       BotConfig{DefaultLang: "en", DefaultTZ: "Asia/Shanghai", DueTime: "18:00", NotifyWindow: bot.DefaultNotifyWindow.String()},
		Console:   ConsoleConfig{Enabled: true},
		Calendar:  CalendarConfig{Region: "CN", Hours: "09:00-12:00, 13:30-18:00"},
		Directory: DirectoryConfig{Match: []string{"email", "mobile"}, Sync: "cron:0 3 * * *"},
		Tickets:   defaultTickets(),
		Projects:  defaultProjects(),
	}
}

func defaultRetention() RetentionConfig {
	r := scheduler.DefaultRetention()
	return RetentionConfig{Inbox: r.Inbox, Sent: r.Sent, Jobs: r.Jobs, Dead: r.Dead}
}

// ConfigError lists every problem in a file, each named by its path.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "invalid configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

// ReadConfigFile reads and validates the file at path.
func ReadConfigFile(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	return ParseConfig(f, os.LookupEnv)
}

// ParseConfig reads YAML over the defaults. ${VAR} in any value is replaced
// from lookup (so secrets stay in the environment); ${VAR:-default} gives a
// fallback. Only the braced form is expanded, so a secret containing "$"
// stays intact.
func ParseConfig(r io.Reader, lookup func(string) (string, bool)) (Config, error) {
	cfg := DefaultConfig()
	data, err := io.ReadAll(r)
	if err != nil {
		return cfg, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return cfg, &ConfigError{Problems: []string{"not valid YAML: " + err.Error()}}
	}
	if len(root.Content) == 0 { // an empty file means all defaults
		return cfg, cfg.Validate()
	}
	var problems []string
	expandNode(&root, "", lookup, &problems)
	checkKeys(root.Content[0], reflect.TypeOf(cfg), "", &problems)
	// Decode and validate even when keys were wrong, so one run reports
	// every problem in the file.
	if err := root.Content[0].Decode(&cfg); err != nil {
		problems = append(problems, typeErrors(err))
	} else if err := cfg.Validate(); err != nil {
		problems = append(problems, err.(*ConfigError).Problems...)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return cfg, &ConfigError{Problems: problems}
	}
	return cfg, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

func expandNode(n *yaml.Node, path string, lookup func(string) (string, bool), problems *[]string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			expandNode(c, path, lookup, problems)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			expandNode(n.Content[i+1], join(path, n.Content[i].Value), lookup, problems)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			expandNode(c, fmt.Sprintf("%s[%d]", path, i), lookup, problems)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return
		}
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			if v, ok := lookup(m[1]); ok && v != "" {
				return v
			}
			if m[2] != "" {
				return m[3]
			}
			*problems = append(*problems, fmt.Sprintf("%s: environment variable %s is not set", path, m[1]))
			return ""
		})
		n.Tag = "" // let the decoder re-resolve "true"/"8080" after expansion
	}
}

// checkKeys rejects keys the Config type does not have, naming each by its
// path and suggesting the nearest known key. yaml.v3's KnownFields reports
// only a line number, which is less help when the key was a typo.
func checkKeys(n *yaml.Node, t reflect.Type, path string, problems *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				fields[tag] = t.Field(i).Type
				names = append(names, tag)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			ft, ok := fields[key]
			if !ok {
				msg := fmt.Sprintf("%s: unknown key", join(path, key))
				if s := closest(key, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				*problems = append(*problems, msg)
				continue
			}
			checkKeys(n.Content[i+1], ft, join(path, key), problems)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, c := range n.Content {
			checkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), problems)
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkKeys(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), problems)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func closest(key string, names []string) string {
	best, bestD := "", max(3, len(key)/2+1)
	for _, n := range names {
		if d := bot.EditDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func typeErrors(err error) string {
	var te *yaml.TypeError
	if ok := asTypeError(err, &te); ok {
		return "wrong type: " + strings.Join(te.Errors, "; ")
	}
	return err.Error()
}

func asTypeError(err error, te **yaml.TypeError) bool {
	t, ok := err.(*yaml.TypeError)
	*te = t
	return ok
}

var accountRE = regexp.MustCompile(`^(console|slack|feishu|wecom|dingtalk):([^:\s]+)(:([^:\s]+))?$`)

// Validate checks every field and reports all problems at once.
func (c Config) Validate() error {
	var p []string
	bad := func(path, format string, args ...any) { p = append(p, path+": "+fmt.Sprintf(format, args...)) }
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "must be text or json, not %q", c.Log.Format)
	}
	if _, ok := logLevels[c.Log.Level]; !ok {
		bad("log.level", "must be debug, info, warn or error, not %q", c.Log.Level)
	}
	if c.HTTP.Addr == "" {
		bad("http.addr", "is required (e.g. 127.0.0.1:8080)")
	} else if !strings.Contains(c.HTTP.Addr, ":") {
		bad("http.addr", "must be host:port, not %q", c.HTTP.Addr)
	}
	if c.Console.Enabled && !c.Console.AllowRemote && c.HTTP.Addr != "" && !loopbackAddr(c.HTTP.Addr) {
		bad("console.allow_remote", "the console is on and http.addr %q is not a loopback address, so anyone who "+
			"reaches the port could try it; keep http.addr on 127.0.0.1, turn the console off (console.enabled: false), "+
			"or set console.allow_remote: true if you mean it (the console still needs its secret)", c.HTTP.Addr)
	}
	if c.HTTP.PublicURL != "" && !strings.HasPrefix(c.HTTP.PublicURL, "https://") && !strings.HasPrefix(c.HTTP.PublicURL, "http://") {
		bad("http.public_url", "must start with https://, not %q", c.HTTP.PublicURL)
	}
	switch c.Storage.Driver {
	case "sqlite":
	case "postgres":
		if !envNameRE.MatchString(c.Storage.DSNEnv) {
			bad("storage.dsn_env", "must name the environment variable that holds the PostgreSQL connection string "+
				"(such as TANDEM_PG_DSN), not %q: the DSN carries a password, so it never goes in the file", c.Storage.DSNEnv)
		}
	default:
		bad("storage.driver", "must be sqlite or postgres, not %q", c.Storage.Driver)
	}
	if c.Storage.Path == "" {
		bad("storage.path", "is required (with postgres, its directory still keeps the console's secret, pictures and files)")
	}
	if s := strings.ToLower(c.Storage.Synchronous); s != "full" && s != "normal" {
		bad("storage.synchronous", "must be full or normal, not %q", c.Storage.Synchronous)
	}
	for _, r := range []struct {
		key      string
		val, min time.Duration
		why      string
	}{
		{"inbox", c.Storage.Retention.Inbox, 24 * time.Hour, "24h: platforms redeliver for hours (Feishu after 7h)"},
		{"sent", c.Storage.Retention.Sent, 24 * time.Hour, "24h: a day's digest is kept to one by its message"},
		{"jobs", c.Storage.Retention.Jobs, time.Hour, "1h"},
		{"dead", c.Storage.Retention.Dead, time.Hour, "1h"},
	} {
		if r.val < r.min {
			bad("storage.retention."+r.key, "must be at least %s, not %s", r.why, r.val)
		}
	}
	for _, l := range []struct {
		key string
		val time.Duration
	}{{"work", c.Storage.Leases.Work}, {"connection", c.Storage.Leases.Connection}} {
		// Below a second a lease is renewed more often than the store can
		// be relied on to answer; above an hour a dead process's work waits
		// longer than anyone would.
		if l.val < time.Second || l.val > time.Hour {
			bad("storage.leases."+l.key, "must be between 1s and 1h, not %s", l.val)
		}
	}
	if c.HTTP.Drain < 0 || c.HTTP.Drain > time.Minute {
		bad("http.drain", "must be between 0s and 1m, not %s", c.HTTP.Drain)
	}
	if _, ok := bot.ParseLang(c.Bot.DefaultLang); !ok {
		bad("bot.default_lang", "must be en or zh-CN, not %q", c.Bot.DefaultLang)
	}
	if _, err := time.LoadLocation(c.Bot.DefaultTZ); err != nil || c.Bot.DefaultTZ == "" {
		bad("bot.default_tz", "is not a known time zone: %q", c.Bot.DefaultTZ)
	}
	if _, _, err := parseClock(c.Bot.DueTime); err != nil {
		bad("bot.due_time", "must be HH:MM, not %q", c.Bot.DueTime)
	}
	if r := c.Bot.Registration; r != "" && r != "open" && r != "approval" {
		bad("bot.registration", "must be open or approval, not %q", r)
	}
	if _, err := bot.ParseQuietHours(c.Bot.QuietHours); err != nil {
		bad("bot.quiet_hours", "must be HH:MM-HH:MM in each reader's zone, such as 22:00-08:00, or empty, not %q", c.Bot.QuietHours)
	}
	if d, err := time.ParseDuration(c.Bot.NotifyWindow); err != nil || d < 0 || d > time.Hour {
		bad("bot.notify_window", "must be a duration from 0s to 1h, not %q", c.Bot.NotifyWindow)
	}
	if s := c.Slack; s != nil {
		switch s.Mode {
		case "", "http":
			if s.SigningSecret == "" {
				bad("slack.signing_secret", "is required in http mode")
			}
		case "socket":
			if !strings.HasPrefix(s.AppToken, "xapp-") {
				bad("slack.app_token", "socket mode needs an app-level token (xapp-…)")
			}
		default:
			bad("slack.mode", "must be http or socket, not %q", s.Mode)
		}
		if s.BotToken == "" {
			bad("slack.bot_token", "is required (xoxb-…)")
		}
		if s.Command != "" && !strings.HasPrefix(s.Command, "/") {
			bad("slack.command", "must start with /, not %q", s.Command)
		}
	}
	validatePlatforms(c, bad)
	handles := map[string]bool{}
	for i, pc := range c.People {
		path := fmt.Sprintf("people[%d]", i)
		if pc.Name == "" {
			bad(path+".name", "is required")
		}
		h := pc.handle()
		if handles[h] {
			bad(path+".handle", "%q is used twice", h)
		}
		handles[h] = true
		switch pc.Role {
		case "", "member", "head", "admin":
		default:
			bad(path+".role", "must be member, head or admin, not %q", pc.Role)
		}
		if pc.Lang != "" {
			if _, ok := bot.ParseLang(pc.Lang); !ok {
				bad(path+".lang", "must be en or zh-CN, not %q", pc.Lang)
			}
		}
		if pc.TZ != "" {
			if _, err := time.LoadLocation(pc.TZ); err != nil {
				bad(path+".tz", "is not a known time zone: %q", pc.TZ)
			}
		}
		if pc.Dept != "" && !hasDept(c.Departments, pc.Dept) {
			bad(path+".dept", "%q is not in departments", pc.Dept)
		}
		if pc.CalendarURL != "" {
			if err := icsbusy.ValidateURL(pc.CalendarURL); err != nil {
				bad(path+".calendar_url", "%v", err)
			}
		}
		for j, a := range pc.Accounts {
			if !accountRE.MatchString(a) {
				bad(fmt.Sprintf("%s.accounts[%d]", path, j), "must be platform:workspace:user_id (or console:name), not %q", a)
			}
		}
	}
	c.checkManagers(handles, bad)
	depts := map[string]bool{}
	for i, d := range c.Departments {
		path := fmt.Sprintf("departments[%d]", i)
		if d.Name == "" {
			bad(path+".name", "is required")
		}
		if depts[strings.ToLower(d.Name)] {
			bad(path+".name", "%q is used twice", d.Name)
		}
		depts[strings.ToLower(d.Name)] = true
		if d.Head != "" && !handles[strings.ToLower(d.Head)] {
			bad(path+".head", "%q is not a handle in people", d.Head)
		}
		for j, ref := range d.Directory {
			if err := c.checkDeptRef(ref); err != "" {
				bad(fmt.Sprintf("%s.directory[%d]", path, j), "%s", err)
			}
		}
		for j, ch := range d.Chats {
			if _, field, err := c.deptChat(ch); err != "" {
				bad(fmt.Sprintf("%s.chats[%d].%s", path, j, field), "%s", err)
			}
		}
	}
	for i, m := range c.Directory.Match {
		if m != "email" && m != "mobile" {
			bad(fmt.Sprintf("directory.match[%d]", i), "must be email or mobile, not %q", m)
		}
	}
	if c.Directory.Sync != "off" {
		if err := scheduler.Validate(c.Directory.Sync); err != nil {
			bad("directory.sync", "must be off or a schedule (cron:0 3 * * *, workdays:07:00): %v", err)
		}
	}
	c.Calendar.check(c.Bot.DefaultTZ, bad)
	c.Tickets.check(c, bad)
	c.Meetings.check(bad)
	c.Projects.check(bad)
	c.Asks.check(bad)
	c.Announce.check(bad)
	c.Requests.check(bad)
	c.Stats.check(bad)
	if len(p) > 0 {
		sort.Strings(p)
		return &ConfigError{Problems: p}
	}
	return nil
}

// loopbackAddr reports whether a host:port listens on this machine only. An
// empty host (":8080") listens on every interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && console.IsLoopback(host)
}

func hasDept(ds []DepartmentConfig, name string) bool {
	for _, d := range ds {
		if strings.EqualFold(d.Name, name) {
			return true
		}
	}
	return false
}

// parseAccount reads "platform:workspace:user" or "console:name".
func parseAccount(s string) bot.Account {
	m := accountRE.FindStringSubmatch(s)
	if m[4] == "" { // console:alice
		return bot.Account{Platform: m[1], Workspace: "local", UserID: strings.ToLower(m[2])}
	}
	return bot.Account{Platform: m[1], Workspace: m[2], UserID: m[4]}
}

func parseClock(s string) (int, int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, err
	}
	return t.Hour(), t.Minute(), nil
}

// Redacted renders the effective configuration with every secret masked,
// for `tandem config check`.
func (c Config) Redacted() string {
	mask := func(fields ...*string) {
		for _, f := range fields {
			if *f != "" {
				*f = "********"
			}
		}
	}
	mask(&c.HTTP.Metrics.Token)
	if c.Slack != nil {
		s := *c.Slack
		mask(&s.SigningSecret, &s.BotToken, &s.AppToken)
		c.Slack = &s
	}
	// Copies, so the caller's config keeps its secrets.
	c.Feishu = append([]FeishuConfig(nil), c.Feishu...)
	for i := range c.Feishu {
		f := &c.Feishu[i]
		mask(&f.AppSecret, &f.VerificationToken, &f.EncryptKey)
	}
	c.WeCom = append([]WeComConfig(nil), c.WeCom...)
	for i := range c.WeCom {
		w := &c.WeCom[i]
		mask(&w.Secret, &w.Token, &w.EncodingAESKey)
		robots := make(map[string]string, len(w.Robots))
		for name := range w.Robots { // a robot's webhook URL carries its key
			robots[name] = "********"
		}
		w.Robots = robots
	}
	c.DingTalk = append([]DingTalkConfig(nil), c.DingTalk...)
	for i := range c.DingTalk {
		mask(&c.DingTalk[i].ClientSecret)
	}
	c.People = append([]PersonConfig(nil), c.People...)
	for i := range c.People { // a published calendar's URL carries its secret
		mask(&c.People[i].CalendarURL)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	enc.Encode(c)
	return b.String()
}
