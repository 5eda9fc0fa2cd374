// Package prom exports Tandem's operational metrics (bot.Metrics) in the
// Prometheus exposition format, with github.com/prometheus/client_golang.
// It is the only package that imports the Prometheus library: the bot, the
// scheduler and the features count through bot.Metrics.
package prom

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tandemhq/tandem/bot"
)

// Queue is one platform's outbox queue as read at scrape time.
type Queue struct {
	Platform string
	Depth    int
	// Oldest is when the oldest queued message was enqueued.
	Oldest time.Time
}

// QueueReader reads the outbox queues. It is called at each scrape, so it
// must read an index, not scan the table.
type QueueReader func(ctx context.Context) ([]Queue, error)

// Metrics implements bot.Metrics with Prometheus collectors on a registry
// of its own (not the global one, so that tests and several instances in
// one process do not collide).
type Metrics struct {
	reg         *prometheus.Registry
	received    *prometheus.CounterVec
	handled     *prometheus.CounterVec
	inboxLag    *prometheus.HistogramVec
	deferred    *prometheus.CounterVec
	jobLateness *prometheus.HistogramVec
	jobFailures *prometheus.CounterVec
	slaBreaches *prometheus.CounterVec
}

var _ bot.Metrics = (*Metrics)(nil)

// New makes the metrics. queues, if not nil, is read at each scrape for the
// outbox gauges; now is the clock their ages are measured against (nil:
// time.Now).
func New(queues QueueReader, now func() time.Time, log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_events_received_total", Help: "Inbound events stored, by platform (redeliveries not counted).",
		}, []string{"platform"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_commands_total", Help: "Handled events by command (none: no command named) and outcome (ok, refused, error).",
		}, []string{"command", "outcome"}),
		inboxLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tandem_inbox_lag_seconds", Help: "Time from an event's receipt to its handling, by platform.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1 ms … 4.4 min
		}, []string{"platform"}),
		deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_outbox_rate_limited_total", Help: "Outgoing messages held back by a rate limit (ours or the platform's Retry-After), by platform.",
		}, []string{"platform"}),
		jobLateness: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tandem_job_lateness_seconds", Help: "How long after its due time a job ran, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.1, 4, 9), // 100 ms … 1.8 h
		}, []string{"kind"}),
		jobFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_job_failures_total", Help: "Job runs that failed (retried or dead-lettered), by kind.",
		}, []string{"kind"}),
		slaBreaches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tandem_sla_breaches_total", Help: "Ticket SLA targets recorded as breached, by target (response, resolution).",
		}, []string{"target"}),
	}
	m.reg.MustRegister(m.received, m.handled, m.inboxLag, m.deferred, m.jobLateness, m.jobFailures, m.slaBreaches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if queues != nil {
		if now == nil {
			now = time.Now
		}
		if log == nil {
			log = slog.Default()
		}
		m.reg.MustRegister(&queueCollector{read: queues, now: now, log: log})
	}
	return m
}

// EventReceived implements bot.Metrics.
func (m *Metrics) EventReceived(platform string) { m.received.WithLabelValues(platform).Inc() }

// EventHandled implements bot.Metrics.
func (m *Metrics) EventHandled(platform, command, outcome string, lag time.Duration) {
	if command == "" {
		command = "none"
	}
	m.handled.WithLabelValues(command, outcome).Inc()
	m.inboxLag.WithLabelValues(platform).Observe(max(lag, 0).Seconds())
}

// JobRan implements bot.Metrics.
func (m *Metrics) JobRan(kind string, lateness time.Duration, failed bool) {
	m.jobLateness.WithLabelValues(kind).Observe(max(lateness, 0).Seconds())
	if failed {
		m.jobFailures.WithLabelValues(kind).Inc()
	}
}

// RateLimitDeferred implements bot.Metrics.
func (m *Metrics) RateLimitDeferred(platform string) { m.deferred.WithLabelValues(platform).Inc() }

// SLABreached implements bot.Metrics.
func (m *Metrics) SLABreached(target string) { m.slaBreaches.WithLabelValues(target).Inc() }

// Handler serves /metrics. With a token, a scrape must send it as
// "Authorization: Bearer <token>" (Prometheus: authorization.credentials);
// others get 401.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var (
	queuedDesc = prometheus.NewDesc("tandem_outbox_queued", "Outgoing messages queued (not yet sent or dead), by platform.",
		[]string{"platform"}, nil)
	oldestDesc = prometheus.NewDesc("tandem_outbox_oldest_age_seconds", "Age of the oldest queued outgoing message, by platform (0 when none).",
		[]string{"platform"}, nil)
)

// queueCollector reads the outbox queues when scraped, so the gauges are
// never stale and nothing is kept in step with the dispatcher.
type queueCollector struct {
	read QueueReader
	now  func() time.Time
	log  *slog.Logger
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queuedDesc; ch <- oldestDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	qs, err := c.read(ctx)
	if err != nil {
		c.log.Warn("metrics: read outbox queues", "err", err)
		ch <- prometheus.NewInvalidMetric(queuedDesc, err)
		return
	}
	now := c.now()
	for _, q := range qs {
		age := 0.0
		if q.Depth > 0 && !q.Oldest.IsZero() {
			age = max(now.Sub(q.Oldest), 0).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, float64(q.Depth), q.Platform)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age, q.Platform)
	}
}
