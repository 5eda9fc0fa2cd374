package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/tandemhq/tandem/adapters/console"
)

// dataDir is the data directory: the database's, where the console's
// secret and address live too.
func dataDir(cfg Config) string { return filepath.Dir(cfg.Storage.Path) }

// guardConsole gives the console its secret (made at first start) and the
// host names it answers to.
func (m *Main) guardConsole() error {
	secret, err := console.EnsureSecret(dataDir(m.Config))
	if err != nil {
		return fmt.Errorf("console secret: %w", err)
	}
	m.Console.Secret = secret
	m.Console.AllowRemote = m.Config.Console.AllowRemote
	m.Console.Log = m.Log.With("platform", "console")
	m.Console.Hosts = append([]string(nil), m.Config.Console.Hosts...)
	if host, _, err := net.SplitHostPort(m.Config.HTTP.Addr); err == nil && host != "" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
			m.Console.Hosts = append(m.Console.Hosts, host)
		}
	}
	return nil
}

// publishConsole writes where the console answers into the data directory,
// for `tandem chat` of the same config, and removes it at close.
func (m *Main) publishConsole() error {
	dir := dataDir(m.Config)
	if err := console.WriteAddress(dir, consoleURL(m.Server.URL())); err != nil {
		return fmt.Errorf("console address: %w", err)
	}
	m.closers = append(m.closers, func() error { return console.RemoveAddress(dir) })
	return nil
}

// consoleURL is where a client on this machine reaches a server listening
// at base: a listener on every interface is reached on loopback.
func consoleURL(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		u.Host = net.JoinHostPort("127.0.0.1", u.Port())
	}
	return u.String()
}

// readyLine is the one line a person reads when the server is up: where it
// listens and how to talk to it. configPath is --config, if any.
func (m *Main) readyLine(configPath string) string {
	where := consoleURL(m.Server.URL())
	if m.Console == nil {
		return fmt.Sprintf("Tandem is ready: %s (console off; webhooks only).", where)
	}
	talk := selfCommand() + " chat --as alice"
	if configPath != "" {
		talk += " --config " + configPath
	}
	return fmt.Sprintf("Tandem is ready: %s (console on). Talk to it: %s", where, talk)
}

// selfCommand is how the person started this program: `go run ./cmd/tandem`
// builds it into a temporary go-build directory, and they had better type
// that again than the temporary path.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "tandem"
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "go run ./cmd/tandem"
	}
	if len(os.Args) > 0 && strings.ContainsRune(os.Args[0], filepath.Separator) {
		return os.Args[0]
	}
	return filepath.Base(exe)
}
