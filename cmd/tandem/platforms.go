package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/dingtalk"
	"github.com/tandemhq/tandem/adapters/feishu"
	"github.com/tandemhq/tandem/adapters/httpserver"
	"github.com/tandemhq/tandem/adapters/icsbusy"
	"github.com/tandemhq/tandem/adapters/slack"
	"github.com/tandemhq/tandem/adapters/wecom"
	"github.com/tandemhq/tandem/bot"
	"github.com/tandemhq/tandem/commands/directory"
	"github.com/tandemhq/tandem/scheduler"
)

// openPlatforms builds the configured chat platform adapters, registers
// their webhook routes and outbox senders, and returns starters for their
// inbound connections (run after the bot is open, stopped before it).
func (m *Main) openPlatforms(routes map[string]http.Handler) ([]func() (func() error, error), error) {
	var starters []func() (func() error, error)
	if sc := m.Config.Slack; sc != nil && !m.NoHTTP {
		a, err := slack.New(slack.Config{
			SigningSecret: sc.SigningSecret,
			BotToken:      sc.BotToken,
			AppToken:      sc.AppToken,
			Mode:          sc.Mode,
			APIURL:        sc.APIURL,
			BotUserID:     sc.BotUserID,
			TeamID:        sc.Workspace,
			CommandName:   sc.Command,
			Log:           m.Log.With("platform", "slack"),
		}, m.Bot)
		if err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		if err := a.Open(context.Background()); err != nil {
			return nil, fmt.Errorf("slack: %w", err)
		}
		m.Dispatcher.Senders = append(m.Dispatcher.Senders, a)
		m.addDirectory(bot.PlatformSlack, a.TeamID(), "", a)
		if sc.Mode == slack.ModeSocket {
			lead := m.connLeader("slack", cmp.Or(sc.Workspace, "default"))
			starters = append(starters, runLoop("slack socket mode", m, whileLeading(lead, a.Run)))
			m.connectionCheck("slack", "", "socket mode", a.Connection(), lead)
		} else {
			m.connectionCheck("slack", "", "webhook", nil, nil)
			for path, h := range a.Routes() {
				routes[path] = h
			}
		}
	}
	if m.NoHTTP {
		return starters, nil
	}

	feishus := &multiSender{platform: bot.PlatformFeishu}
	for i, fc := range m.Config.Feishu {
		a, err := feishu.New(feishu.Config{AppID: fc.AppID, AppSecret: fc.AppSecret, VerificationToken: fc.VerificationToken,
			EncryptKey: fc.EncryptKey, Host: fc.Host, Mode: fc.Mode, Log: m.Log.With("platform", "feishu", "app", fc.Name)}, m.Bot)
		if err != nil {
			return nil, fmt.Errorf("feishu[%d]: %w", i, err)
		}
		if err := a.Open(context.Background()); err != nil {
			return nil, fmt.Errorf("feishu[%d]: %w", i, err)
		}
		feishus.add(fc.Workspace, a)
		m.addDirectory(bot.PlatformFeishu, fc.Workspace, fc.Name, a)
		if fc.Mode == feishu.ModeWS {
			lead := m.connLeader("feishu", fc.AppID)
			starters = append(starters, runLoop("feishu long connection", m, whileLeading(lead, a.Run)))
			m.connectionCheck("feishu", fc.Name, "long connection", a.Connection(), lead)
		} else {
			mount(routes, a.Routes(), "feishu", fc.Name, i)
			m.connectionCheck("feishu", fc.Name, "webhook", nil, nil)
		}
	}
	wecoms := &multiSender{platform: bot.PlatformWeCom}
	for i, wc := range m.Config.WeCom {
		a, err := wecom.New(wecom.Config{CorpID: wc.CorpID, AgentID: wc.AgentID, Secret: wc.Secret, Token: wc.Token,
			EncodingAESKey: wc.EncodingAESKey, Robots: wc.Robots, APIURL: wc.APIURL, Log: m.Log.With("platform", "wecom", "app", wc.Name)}, m.Bot)
		if err != nil {
			return nil, fmt.Errorf("wecom[%d]: %w", i, err)
		}
		wecoms.add(wc.CorpID, a)
		m.addDirectory(bot.PlatformWeCom, wc.CorpID, wc.Name, a)
		mount(routes, a.Routes(), "wecom", wc.Name, i)
		m.connectionCheck("wecom", wc.Name, "webhook", nil, nil)
	}
	dingtalks := &multiSender{platform: bot.PlatformDingTalk}
	for i, dc := range m.Config.DingTalk {
		a, err := dingtalk.New(dingtalk.Config{ClientID: dc.ClientID, ClientSecret: dc.ClientSecret, RobotCode: dc.RobotCode,
			Mode: dc.Mode, APIURL: dc.APIURL, OAPIURL: dc.OAPIURL, CardTemplateID: dc.CardTemplateID, GroupTemplateID: dc.GroupTemplateID, Nonces: bot.StoreNonces{Store: m.DB},
			Log: m.Log.With("platform", "dingtalk", "app", dc.Name)}, m.Bot)
		if err != nil {
			return nil, fmt.Errorf("dingtalk[%d]: %w", i, err)
		}
		dingtalks.add(dc.Workspace, a)
		m.addDirectory(bot.PlatformDingTalk, dc.Workspace, dc.Name, a)
		if dc.Mode == dingtalk.ModeHTTP {
			mount(routes, a.Routes(), "dingtalk", dc.Name, i)
			m.connectionCheck("dingtalk", dc.Name, "webhook", nil, nil)
		} else {
			lead := m.connLeader("dingtalk", dc.ClientID)
			starters = append(starters, runLoop("dingtalk stream", m, whileLeading(lead, a.Run)))
			m.connectionCheck("dingtalk", dc.Name, "stream", a.Connection(), lead)
		}
	}
	for _, ms := range []*multiSender{feishus, wecoms, dingtalks} {
		if len(ms.senders) == 0 {
			continue
		}
		m.Dispatcher.Senders = append(m.Dispatcher.Senders, ms)
	}
	return starters, nil
}

// connectionCheck adds an app's check to /readyz: a long connection must
// be up on the replica that holds its lease, and a standby replica (another
// holds it) is ready without it; a webhook app (conn nil) only needs to be
// configured, which it is once it is mounted (the platform calls in;
// nothing here can tell whether it will).
func (m *Main) connectionCheck(platform, app, kind string, conn *bot.ConnState, lead *scheduler.Leader) {
	name := platform
	if app != "" {
		name += "/" + app
	}
	name += " " + kind
	run := func(context.Context) error { return nil }
	if conn != nil {
		run = func(context.Context) error {
			if lead != nil && lead.Standby() {
				return nil
			}
			return conn.Check()
		}
	}
	m.checks = append(m.checks, httpserver.Check{Name: name, Run: run})
}

// addDirectory makes an app's user directory available to the directory
// jobs. Without a workspace its accounts cannot be named before they write,
// so it serves profiles of those who do but is not searched for others.
func (m *Main) addDirectory(platform, workspace, app string, dir bot.Directory) {
	d := m.Directories
	if d == nil {
		return
	}
	d.Sources = append(d.Sources, directory.Source{Platform: platform, Workspace: workspace, App: app, Dir: dir})
	if workspace == "" {
		m.Log.Info("directory: workspace unknown; accounts are linked from this app only when they write", "platform", platform, "app", app)
	}
}

// mount adds an adapter's routes; the second and later apps of a platform
// are mounted under /<platform>/<name>/… so their webhooks do not collide.
func mount(routes, add map[string]http.Handler, platform, name string, i int) {
	for path, h := range add {
		if i > 0 {
			path = "/" + platform + "/" + name + strings.TrimPrefix(path, "/"+platform)
		}
		routes[path] = h
	}
}

// multiSender is one platform's outbox sender in front of all its apps: the
// dispatcher runs one loop per platform, and a message goes to the app of
// its workspace (the first app when there is only one or none matches).
type multiSender struct {
	platform   string
	senders    []bot.Sender
	workspaces []string
}

var (
	_ bot.RateLimited   = (*multiSender)(nil)
	_ bot.ImageUploader = (*multiSender)(nil)
	_ bot.FileUploader  = (*multiSender)(nil)
)

// groupCreators implements bot.GroupCreators over the outbox senders, read
// when asked: the platforms open after the features are built.
type groupCreators struct{ d *scheduler.Dispatcher }

var _ bot.GroupCreators = groupCreators{}

// GroupCreator implements bot.GroupCreators: a platform's one app (Slack),
// or the app of workspace among a platform's apps (multiSender); the group
// is then made by the app that will post into it.
func (g groupCreators) GroupCreator(platform, workspace string) (bot.GroupCreator, bool) {
	return platformApp[bot.GroupCreator](g.d, platform, workspace)
}

// platformApp finds the app of platform and workspace among the outbox
// senders (of a platform's several apps, the workspace's, else the first,
// as for Send) and returns it if it is a T.
func platformApp[T any](d *scheduler.Dispatcher, platform, workspace string) (T, bool) {
	for _, s := range d.Senders {
		if s.Platform() != platform {
			continue
		}
		if ms, ok := s.(*multiSender); ok {
			s = ms.pick(workspace)
		}
		app, ok := s.(T)
		return app, ok
	}
	var none T
	return none, false
}

func (s *multiSender) add(workspace string, snd bot.Sender) {
	s.senders = append(s.senders, snd)
	s.workspaces = append(s.workspaces, workspace)
}

// Platform implements bot.Sender.
func (s *multiSender) Platform() string { return s.platform }

// Send implements bot.Sender.
func (s *multiSender) Send(ctx context.Context, o *bot.Outgoing) (string, error) {
	return s.pick(o.To.Workspace).Send(ctx, o)
}

// pick is the app of workspace, or the first.
func (s *multiSender) pick(workspace string) bot.Sender {
	for i, ws := range s.workspaces {
		if ws != "" && ws == workspace {
			return s.senders[i]
		}
	}
	return s.senders[0]
}

// UploadImage implements bot.ImageUploader through the app of o's
// workspace, so the dispatcher uploads pictures before sending; an app whose
// platform needs no upload gives no key.
func (s *multiSender) UploadImage(ctx context.Context, to bot.Destination, img *bot.Image) (string, time.Duration, error) {
	if up, ok := s.pick(to.Workspace).(bot.ImageUploader); ok {
		return up.UploadImage(ctx, to, img)
	}
	return "", 0, nil
}

// UploadFile implements bot.FileUploader through the app of to's
// workspace, as UploadImage does.
func (s *multiSender) UploadFile(ctx context.Context, to bot.Destination, f *bot.File) (string, time.Duration, error) {
	if up, ok := s.pick(to.Workspace).(bot.FileUploader); ok {
		return up.UploadFile(ctx, to, f)
	}
	return "", 0, nil
}

// Limits implements bot.RateLimited with the first app's limits: apps of one
// platform share its documented limits.
func (s *multiSender) Limits() bot.RateLimits {
	if rl, ok := s.senders[0].(bot.RateLimited); ok {
		return rl.Limits()
	}
	return bot.RateLimits{}
}

// connLeaseTTL is how long a replica holds a long connection's lease by
// default: a dead replica's connection is taken over within it.
const connLeaseTTL = 30 * time.Second

// sqliteLeaseHolder names the process in leases while the store is SQLite.
// The database lock (lock.go) lets one process in at a time, so any lease
// in the file is this process's or a dead predecessor's: the same name in
// every run lets a process restarted after a crash renew its predecessor's
// leases at once instead of waiting for them to end. A store shared by
// replicas (PostgreSQL) needs a name per process instead.
const sqliteLeaseHolder = "sqlite"

// leaseHolder names this process in the leases of long connections: on
// SQLite sqliteLeaseHolder; on a store replicas share, the process's own
// name, so that each replica holds its leases and none renews another's.
func (m *Main) leaseHolder() string {
	if m.Config.Storage.Driver == "postgres" {
		return scheduler.ProcessName()
	}
	return sqliteLeaseHolder
}

// sendTimeout bounds one send to a platform: 20 s, the dispatcher's
// default, or half the work lease when that is shorter, so a send never
// outlives the lease of its message and races another replica's claim.
func sendTimeout(workLease time.Duration) time.Duration {
	return min(20*time.Second, workLease/2)
}

// connLeader keeps a platform app's long connection on one replica at a
// time: the one holding the lease "conn/<platform>/<app>" opens it, and
// closes it when the lease is lost. app names the connection (the app's
// id, or Slack's workspace), the same on every replica.
func (m *Main) connLeader(platform, app string) *scheduler.Leader {
	return &scheduler.Leader{Leases: bot.StoreLeases{Store: m.DB}, Name: "conn/" + platform + "/" + app,
		Holder: m.leaseHolder(), TTL: cmp.Or(m.ConnLease, m.Config.Storage.Leases.Connection, connLeaseTTL), Log: m.Log}
}

// whileLeading is connect run only while lead holds its lease.
func whileLeading(lead *scheduler.Leader, connect func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error { return lead.Run(ctx, connect) }
}

// runLoop starts a connection loop owned by Main: it runs until Close
// cancels it, and Close waits for it to end.
func runLoop(name string, m *Main, run func(context.Context) error) func() (func() error, error) {
	return func() (func() error, error) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := run(ctx); err != nil && ctx.Err() == nil {
				m.Log.Error("connection loop stopped", "loop", name, "err", err)
			}
		}()
		return func() error { cancel(); <-done; return nil }, nil
	}
}

func runSlack(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "manifest" {
		return fmt.Errorf("usage: tandem slack manifest [--config FILE] [--name NAME]")
	}
	fs := flag.NewFlagSet("tandem slack manifest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "configuration file")
	name := fs.String("name", "Tandem", "the app's name in Slack")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	opts := slack.ManifestOptions{AppName: *name, PublicURL: cfg.HTTP.PublicURL,
		Description: "Tasks, tickets, meetings and reminders across departments, in English and Chinese."}
	if sc := cfg.Slack; sc != nil {
		opts.CommandName, opts.SocketMode = sc.Command, sc.Mode == slack.ModeSocket
	}
	if opts.PublicURL == "" && !opts.SocketMode {
		return fmt.Errorf("set http.public_url (the HTTPS address Slack will call) or use slack.mode: socket")
	}
	out, err := slack.Manifest(opts)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// freeBusyApps implements bot.FreeBusyFinder over the outbox senders, read
// when asked (the platforms open after the features are built): Feishu's
// and DingTalk's apps read their calendars; WeCom and Slack have no
// free/busy API.
type freeBusyApps struct{ d *scheduler.Dispatcher }

var _ bot.FreeBusyFinder = freeBusyApps{}

// FreeBusy implements bot.FreeBusyFinder.
func (f freeBusyApps) FreeBusy(platform, workspace string) (bot.FreeBusy, bool) {
	return platformApp[bot.FreeBusy](f.d, platform, workspace)
}

// newFreeBusy is the free/busy registry: the platform apps' calendars and
// the people's calendar_url (by handle, as seeded), floating times read in
// the default zone.
func newFreeBusy(cfg Config, d *scheduler.Dispatcher, loc *time.Location) *bot.FreeBusyRegistry {
	r := &bot.FreeBusyRegistry{Platforms: freeBusyApps{d}}
	for _, pc := range cfg.People {
		if pc.CalendarURL == "" {
			continue
		}
		if r.CalendarURLs == nil {
			r.CalendarURLs = map[string]string{}
			r.ICal = &icsbusy.Source{Location: loc}
		}
		r.CalendarURLs[pc.handle()] = pc.CalendarURL
	}
	return r
}
