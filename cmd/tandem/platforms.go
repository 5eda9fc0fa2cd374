package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"

	"github.com/tandemhq/tandem/adapters/slack"
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
		if sc.Mode == slack.ModeSocket {
			starters = append(starters, runLoop("slack socket mode", m, a.Run))
		} else {
			for path, h := range a.Routes() {
				routes[path] = h
			}
		}
	}
	return starters, nil
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
