package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The replicas are loaded as a load balancer would: every URL gets its
// share of the requests.
func TestLoad_SpreadsRequestsRoundRobin(t *testing.T) {
	var counts [3]atomic.Int64
	var urls []string
	for i := range counts {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			counts[i].Add(1)
		}))
		defer srv.Close()
		urls = append(urls, srv.URL+"/slack/commands")
	}
	res := load("test", urls, 4, 300*time.Millisecond, presign(100).next)
	if res.errors != 0 || res.ok == 0 {
		t.Fatalf("load: %d answered, %d errors", res.ok, res.errors)
	}
	var total int64
	for i := range counts {
		total += counts[i].Load()
	}
	for i := range counts {
		// Round-robin per request: each of three gets a third, give or
		// take the requests in flight when the load stopped.
		if n := counts[i].Load(); n < total/4 {
			t.Errorf("replica %d got %d of %d requests", i, n, total)
		}
	}
}

// Every request is a distinct command (its own trigger id and text), never
// one body repeated, also past the presigned ones.
func TestPresigned_EveryRequestDistinct(t *testing.T) {
	p := presign(50)
	seen := map[string]bool{}
	for range 80 {
		req := p.next("http://127.0.0.1/slack/commands", 0)
		body, _ := io.ReadAll(req.Body)
		if seen[string(body)] {
			t.Fatalf("body sent twice: %s", body)
		}
		seen[string(body)] = true
	}
}

func TestURLWithDatabase(t *testing.T) {
	got, err := urlWithDatabase("postgres://u:p@db:5432/postgres?sslmode=disable", "tandemload_1")
	if err != nil || got != "postgres://u:p@db:5432/tandemload_1?sslmode=disable" {
		t.Fatalf("got %q, %v", got, err)
	}
}
