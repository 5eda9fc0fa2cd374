package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tandemhq/tandem/adapters/console"
	"github.com/tandemhq/tandem/bot"
)

// conversation is one console user's line to the bot: over HTTP to a running
// tandem, or in-process when none is running.
type conversation interface {
	Say(ctx context.Context, id, text string) (console.Replies, error)
	Inbox(ctx context.Context, wait time.Duration) ([]bot.Message, error)
}

func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tandem chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	as := fs.String("as", os.Getenv("USER"), "who you are: a console user name such as alice")
	path := fs.String("config", "", "configuration file, to find the server or the database")
	server := fs.String("url", "", "URL of a running tandem (default: the server of the config's data directory)")
	secretFile := fs.String("secret", "", "the console secret file (default: "+console.SecretFile+" in the config's data directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	user := strings.ToLower(strings.TrimSpace(*as))
	if user == "" {
		return fmt.Errorf("say who you are: tandem chat --as NAME")
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	conv, stop, err := connect(ctx, cfg, user, *server, *secretFile, stderr)
	if err != nil {
		return err
	}
	defer stop()

	interactive := isTerminal(stdin)
	out := &printer{w: stdout}
	if interactive {
		fmt.Fprintf(stdout, "Tandem — you are %s. Type `help` (or 帮助); Ctrl-D to leave.\n", user)
		go func() { // notifications arrive while you type
			for ctx.Err() == nil {
				msgs, err := conv.Inbox(ctx, 25*time.Second)
				if err != nil {
					time.Sleep(time.Second)
					continue
				}
				out.print(msgs)
			}
		}()
	} else if msgs, err := conv.Inbox(ctx, 0); err == nil {
		out.print(msgs)
	}

	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		if interactive {
			fmt.Fprintf(stdout, "%s> ", user)
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") && !isTaskRef(line) {
			continue
		}
		res, err := conv.Say(ctx, newID(), line)
		if err != nil {
			return err
		}
		out.print(res.Replies)
		if res.Pending {
			fmt.Fprintln(stdout, "(still working on it; the answer will follow)")
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if !interactive {
		// Give notifications caused by this script a moment to arrive.
		if msgs, err := conv.Inbox(ctx, 200*time.Millisecond); err == nil {
			out.print(msgs)
		}
	}
	return nil
}

// isTaskRef keeps "#12" lines from being taken as comments.
func isTaskRef(line string) bool { return len(line) > 1 && line[1] >= '0' && line[1] <= '9' }

type printer struct{ w io.Writer }

func (p *printer) print(msgs []bot.Message) {
	for _, m := range msgs {
		fmt.Fprintln(p.w, console.Render(m))
		fmt.Fprintln(p.w)
	}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// connect finds the bot for cfg's data: the server named by --url, or the
// one whose console address is in the data directory, or, when none is
// running there, a bot run here on the same database. It never looks for a
// server anywhere else: a chat on other data must not talk to whatever
// listens on the default port.
func connect(ctx context.Context, cfg Config, user, server, secretFile string, stderr io.Writer) (conversation, func(), error) {
	dir := dataDir(cfg)
	secret := func() (string, error) {
		if secretFile != "" {
			return console.ReadSecretFile(secretFile)
		}
		s, err := console.ReadSecret(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no console secret in %s: run tandem chat with the server's --config, or pass --secret FILE", dir)
		}
		return s, err
	}
	remote := func(base string) (conversation, func(), error) {
		s, err := secret()
		if err != nil {
			return nil, nil, err
		}
		return &httpConversation{base: strings.TrimRight(base, "/"), user: user, secret: s,
			client: &http.Client{Timeout: 70 * time.Second}}, func() {}, nil
	}
	if server != "" {
		if !reachable(ctx, server) {
			return nil, nil, fmt.Errorf("no tandem answers at %s", server)
		}
		return remote(server)
	}
	addr, addrErr := console.ReadAddress(dir)
	if addrErr == nil && reachable(ctx, addr) {
		return remote(addr)
	}
	// No server answers for this data: run the bot here, quietly. The
	// database lock refuses if a server holds it after all.
	m := &Main{Config: cfg, NoHTTP: true, Log: newLogger(LogConfig{Format: "text", Level: "warn"}, stderr)}
	if err := m.Run(); err != nil {
		m.Close()
		if locked, ok := errors.AsType[*errLocked](err); ok && locked.holder == "server" {
			if addrErr != nil {
				return nil, nil, fmt.Errorf("a tandem server holds %s but has no console (is console.enabled false?); "+
					"enable its console, or stop it to chat here", cfg.Storage.Path)
			}
			return nil, nil, fmt.Errorf("a tandem server holds %s but does not answer at %s; "+
				"wait until it is ready, or stop it to chat here", cfg.Storage.Path, addr)
		}
		return nil, nil, err
	}
	return &localConversation{console: m.Console, user: user}, func() { m.Close() }, nil
}

func reachable(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func newID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type httpConversation struct {
	base, user, secret string
	client             *http.Client
}

// do sends req with the console's secret and returns the answer's body, or
// an error for any status but 200.
func (c *httpConversation) do(req *http.Request) ([]byte, error) {
	req.Header.Set("Authorization", "Bearer "+c.secret)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	switch resp.StatusCode {
	case http.StatusOK:
		return data, nil
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("tandem at %s refused the console secret: it is not this server's (see --config, --secret)", c.base)
	}
	return nil, fmt.Errorf("tandem answered %s: %s", resp.Status, strings.TrimSpace(string(data)))
}

func (c *httpConversation) Say(ctx context.Context, id, text string) (console.Replies, error) {
	body, _ := json.Marshal(map[string]string{"user": c.user, "id": id, "text": text})
	var out console.Replies
	// A line is retried with the same id, so the bot counts it once.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/console/messages", bytes.NewReader(body))
		if err != nil {
			return out, err
		}
		req.Header.Set("Content-Type", "application/json")
		data, err := c.do(req)
		if _, transport := errors.AsType[*url.Error](err); transport {
			lastErr = err
			time.Sleep(time.Duration(attempt+1) * 300 * time.Millisecond)
			continue
		}
		if err != nil {
			return out, err
		}
		return out, json.Unmarshal(data, &out)
	}
	return out, lastErr
}

func (c *httpConversation) Inbox(ctx context.Context, wait time.Duration) ([]bot.Message, error) {
	u := c.base + "/console/inbox?user=" + url.QueryEscape(c.user) + "&wait=" + wait.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	data, err := c.do(req)
	if err != nil {
		return nil, err
	}
	var out console.Replies
	return out.Replies, json.Unmarshal(data, &out)
}

type localConversation struct {
	console *console.Adapter
	user    string
}

func (c *localConversation) Say(ctx context.Context, id, text string) (console.Replies, error) {
	res, err := c.console.Say(ctx, c.user, id, text)
	return console.Replies{Replies: res.Replies, Pending: !res.Done && !res.Duplicate}, err
}

func (c *localConversation) Inbox(ctx context.Context, wait time.Duration) ([]bot.Message, error) {
	return c.console.Take(ctx, c.user, wait)
}
