package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
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
	server := fs.String("url", "", "URL of a running tandem (default: from the config's http.addr)")
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
	base := *server
	if base == "" {
		base = "http://" + cfg.HTTP.Addr
	}
	var conv conversation
	if reachable(ctx, base) {
		conv = &httpConversation{base: strings.TrimRight(base, "/"), user: user, client: &http.Client{Timeout: 70 * time.Second}}
	} else if *server != "" {
		return fmt.Errorf("no tandem answers at %s", base)
	} else {
		// Nothing is running: run the bot here, on the same database, quietly.
		m := &Main{Config: cfg, NoHTTP: true, Log: newLogger(LogConfig{Format: "text", Level: "warn"}, stderr)}
		if err := m.Run(); err != nil {
			m.Close()
			return err
		}
		defer m.Close()
		conv = &localConversation{console: m.Console, user: user}
	}

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
	base, user string
	client     *http.Client
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
		resp, err := c.client.Do(req)
		if err != nil {
			lastErr = err
			time.Sleep(time.Duration(attempt+1) * 300 * time.Millisecond)
			continue
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return out, fmt.Errorf("tandem answered %s: %s", resp.Status, strings.TrimSpace(string(data)))
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
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out console.Replies
	return out.Replies, json.NewDecoder(resp.Body).Decode(&out)
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
