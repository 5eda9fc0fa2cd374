package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tandemhq/tandem/adapters/slack/slacktest"
	"github.com/tandemhq/tandem/bot"
)

// Sizes of the load: senders × perSender distinct signed events.
const (
	metricsLoadSenders   = 6
	metricsLoadPerSender = 50
)

// metricsScrape is one scrape's reading: the commands handled (summed over
// command and outcome), the Slack events received, the Slack outbox gauges
// (present is whether the scrape had them at all) and how long it took.
type metricsScrape struct {
	commands, received float64
	queued, oldest     float64
	present            bool
	took               time.Duration
}

// scrapeMetrics reads and parses /metrics; unlike scrape it returns its
// error, for a goroutine of its own.
func scrapeMetrics(c *http.Client, base string) (metricsScrape, error) {
	began := time.Now()
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return metricsScrape{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(began)
	if err != nil || resp.StatusCode != http.StatusOK {
		return metricsScrape{}, fmt.Errorf("/metrics = %d (%v): %.300s", resp.StatusCode, err, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		return metricsScrape{}, fmt.Errorf("parse /metrics: %v", err)
	}
	s := metricsScrape{took: took, received: counter(fams, "tandem_events_received_total", map[string]string{"platform": "slack"})}
	if f := fams["tandem_commands_total"]; f != nil {
		for _, m := range f.Metric {
			s.commands += m.GetCounter().GetValue()
		}
	}
	var q, age *dto.Metric
	var okQ, okAge bool
	q, okQ = sample(fams, "tandem_outbox_queued", map[string]string{"platform": "slack"})
	age, okAge = sample(fams, "tandem_outbox_oldest_age_seconds", map[string]string{"platform": "slack"})
	if okQ && okAge {
		s.present, s.queued, s.oldest = true, q.GetGauge().GetValue(), age.GetGauge().GetValue()
	}
	return s, nil
}

// startMetricsSlack runs Tandem in this process with /metrics and a Slack
// app on the test kit's fake.
func startMetricsSlack(t *testing.T) (*Main, *slacktest.Server) {
	t.Helper()
	fake := slacktest.NewServer(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	cfg := fmt.Sprintf(`
http: {addr: "127.0.0.1:0", metrics: {enabled: true}}
storage: {path: %q}
console: {enabled: false}
slack: {signing_secret: %s, bot_token: xoxb-load, bot_user_id: UBOT, workspace: T1, api_url: %q}
`, dbPath, slackSecret, fake.APIURL())
	m := runMain(t, cfg, dbPath, slog.New(slog.DiscardHandler))
	return m, fake
}

// Ensure /metrics holds up under load on the real server: while senders
// post a burst of distinct, signed Slack events (each a `task new` that
// replies through the outbox) from several goroutines, another goroutine
// scrapes /metrics over and over. Every scrape parses, the commands
// counter never goes back and ends at exactly the events sent (each
// counted once), the events received likewise, and the outbox gauges come
// back in the scrapes (the replies queue behind Slack's pace of a message
// a second per channel). The scrapes' latency is logged.
func TestMetricsScrapedUnderLoad(t *testing.T) {
	m, _ := startMetricsSlack(t)
	base := m.Server.URL()
	total := metricsLoadSenders * metricsLoadPerSender

	// The events are built and signed before the burst.
	type signedEvent struct {
		body string
		h    http.Header
	}
	events := make([][]signedEvent, metricsLoadSenders)
	for g := range events {
		for i := range metricsLoadPerSender {
			n := g*metricsLoadPerSender + i
			ev := string(slacktest.Event("T1", fmt.Sprintf("EvLoad%d", n), map[string]any{"type": "app_mention",
				"user": fmt.Sprintf("U%d", 1+n%20), "channel": fmt.Sprintf("C%d", 1+g), "text": fmt.Sprintf(`<@UBOT> task new "load %d"`, n),
				"ts": fmt.Sprintf("1700000000.%06d", n)}))
			events[g] = append(events[g], signedEvent{ev, sign(ev, time.Now().Unix())})
		}
	}

	client := &http.Client{Timeout: 10 * time.Second}
	var scrapes []metricsScrape
	var scrapeErr error
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		for {
			s, err := scrapeMetrics(client, base)
			if err != nil {
				scrapeErr = err
				return
			}
			scrapes = append(scrapes, s)
			select {
			case <-stop:
				return
			default:
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, total)
	for g := range events {
		wg.Go(func() {
			for _, e := range events[g] {
				req, _ := http.NewRequest(http.MethodPost, base+"/slack/events", strings.NewReader(e.body))
				req.Header = e.h.Clone()
				req.Header.Set("Content-Type", slacktest.JSONType)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("event: %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The scrapes go on until every event was handled.
	waitFor(t, "every event handled", func() bool {
		s, err := scrapeMetrics(client, base)
		return err == nil && s.commands >= float64(total)
	})
	close(stop)
	<-scraped
	if scrapeErr != nil {
		t.Fatalf("a scrape under load failed: %v", scrapeErr)
	}

	final, err := scrapeMetrics(client, base)
	if err != nil {
		t.Fatal(err)
	}
	if final.commands != float64(total) || final.received != float64(total) {
		t.Errorf("at the end: %v commands handled, %v events received; %d were sent", final.commands, final.received, total)
	}
	var during, withGauges int
	for i, s := range scrapes {
		if i > 0 && (s.commands < scrapes[i-1].commands || s.received < scrapes[i-1].received) {
			t.Errorf("scrape %d went back: commands %v → %v, received %v → %v", i, scrapes[i-1].commands, s.commands, scrapes[i-1].received, s.received)
		}
		if s.commands > 0 && s.commands < float64(total) {
			during++
		}
		if s.present && s.queued > 0 {
			withGauges++
		}
	}
	if during == 0 {
		t.Errorf("no scrape was taken during the burst (%d scrapes)", len(scrapes))
	}
	if !final.present || final.queued == 0 || withGauges == 0 {
		t.Errorf("the Slack outbox gauges: at the end %+v; %d of %d scrapes had a queue", final, withGauges, len(scrapes))
	}

	took := make([]time.Duration, len(scrapes))
	for i, s := range scrapes {
		took[i] = s.took
	}
	slices.Sort(took)
	t.Logf("%d events from %d senders; %d scrapes, %d during the burst: median %v, range %v–%v; outbox at the end: %v queued, oldest %.1f s",
		total, metricsLoadSenders, len(scrapes), during, took[len(took)/2].Round(10*time.Microsecond),
		took[0].Round(10*time.Microsecond), took[len(took)-1].Round(10*time.Microsecond), final.queued, final.oldest)
}

// Ensure the outbox gauges of each platform Tandem sends for are in every
// scrape and read 0 when nothing is queued: before anything was queued,
// and again once a queued message was sent (the store has rows only for
// platforms with something queued; without the zeros the gauges would
// vanish, and a graph keep the last value seen).
func TestMetricsOutboxGaugesReadZeroWhenEmpty(t *testing.T) {
	m, fake := startMetricsSlack(t)
	client := &http.Client{Timeout: 10 * time.Second}
	empty := func(when string) {
		t.Helper()
		s, err := scrapeMetrics(client, m.Server.URL())
		if err != nil {
			t.Fatal(err)
		}
		if !s.present || s.queued != 0 || s.oldest != 0 {
			t.Errorf("%s: the Slack outbox gauges %+v, want present and 0", when, s)
		}
	}
	empty("before anything was queued")

	err := m.DB.Update(context.Background(), func(tx bot.Tx) error {
		_, err := tx.Enqueue(&bot.Outgoing{Key: "gauges/1", To: bot.Destination{Platform: bot.PlatformSlack, Workspace: "T1", ChatID: "C1"},
			Msg: bot.Message{Text: "hello"}}, time.Now().Add(-time.Minute))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Dispatcher.Trigger()
	fake.WaitCalls("chat.postMessage", 1, 5*time.Second)
	waitFor(t, "the message marked sent", func() bool {
		var sent []*bot.Outgoing
		m.DB.View(context.Background(), func(tx bot.Tx) (err error) {
			sent, err = tx.FindOutgoing(bot.OutboxSent, 10)
			return err
		})
		return len(sent) == 1
	})
	empty("once the message was sent")
}
