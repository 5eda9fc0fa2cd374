// Command tandemload measures Tandem under load next to a trivial net/http
// handler, in the same run and the same way, so the two figures can be
// compared on any machine.
//
//	go run ./cmd/tandemload -duration 10s -conns 32
//
// It builds (or takes, with -bin) the tandem binary, starts it on loopback
// with a Slack app configured and a fresh SQLite file, and sends signed
// /tandem slash commands, each creating a task: every request is a durable
// command whose inbox and task rows are committed before the answer. Then it
// starts a trivial handler in a child process and loads it identically.
// The slash commands are built and signed before the timer starts (as with a
// pre-signed request for wrk), each with its own trigger id, so none is a
// duplicate and the generator spends its CPU on sending, not on HMACs.
//
// With -driver postgres it measures replicas instead of the trivial handler:
//
//	TANDEM_TEST_PG_DSN='host=/tmp/pg user=tandem dbname=postgres' \
//	  go run ./cmd/tandemload -driver postgres -replicas 1,2,3 -duration 5s -rounds 3
//
// For each count N in -replicas it creates a fresh database on the server of
// the DSN in -pg-dsn-env (dropped at the end), starts N tandem binaries on it
// (storage.driver: postgres, each its own data directory and port), and
// spreads the requests over them round-robin, as a load balancer would. Each
// round loads the N replicas and, in the same way, one tandem on a fresh
// SQLite file (the default), in alternating order, so the two figures share
// whatever else the machine was doing.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const secret = "load-test-signing-secret"

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long to load each target in each round")
	rounds := flag.Int("rounds", 3, "rounds of tandem then trivial; the ratio reported is the median of the rounds'")
	conns := flag.Int("conns", 32, "concurrent connections")
	bin := flag.String("bin", "", "tandem binary (default: go build ./cmd/tandem)")
	sync := flag.String("synchronous", "full", "SQLite synchronous mode for tandem: full or normal")
	profile := flag.String("cpuprofile", "", "have tandem write a CPU profile to this file")
	compare := flag.String("compare", "", "instead of the trivial handler, load this second tandem binary alternately with the first, and report the median ratio of the second's rate to the first's (for telling small changes apart on a noisy machine)")
	target := flag.String("target", "", "load an already running tandem at this base URL (its Slack signing secret must be the load test's) and stop")
	trivial := flag.String("serve-trivial", "", "internal: serve the trivial handler on this address")
	driver := flag.String("driver", "sqlite", "sqlite: tandem beside a trivial handler; postgres: -replicas tandems on one PostgreSQL beside one on SQLite")
	replicas := flag.String("replicas", "1,2,3", "with -driver postgres: the replica counts to measure, comma-separated")
	dsnEnv := flag.String("pg-dsn-env", "TANDEM_TEST_PG_DSN", "with -driver postgres: the environment variable holding a DSN of the server to create the load's databases on (the user must be allowed to CREATE DATABASE)")
	flag.Parse()
	if *trivial != "" {
		serveTrivial(*trivial)
		return
	}
	if *target != "" {
		reqs := presignFor(*duration, 25000)
		load("tandem at "+*target, []string{strings.TrimRight(*target, "/") + "/slack/commands"}, *conns, *duration, reqs.next)
		return
	}
	if *driver == "postgres" {
		if err := runReplicas(*duration, *conns, *rounds, *bin, *sync, *replicas, *dsnEnv); err != nil {
			fmt.Fprintln(os.Stderr, "tandemload:", err)
			os.Exit(1)
		}
		return
	}
	if *driver != "sqlite" {
		fmt.Fprintln(os.Stderr, "tandemload: -driver is sqlite or postgres")
		os.Exit(2)
	}
	if err := run(*duration, *conns, *rounds, *bin, *sync, *profile, *compare); err != nil {
		fmt.Fprintln(os.Stderr, "tandemload:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, conns, rounds int, bin, syncMode, profile, compare string) error {
	dir, err := os.MkdirTemp("", "tandemload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin, err = buildTandem(bin, dir); err != nil {
		return err
	}

	tandem, addr, err := startTandem(bin, filepath.Join(dir, "a"), syncMode, profile)
	if err != nil {
		return err
	}
	defer stopProcess(tandem)
	if compare != "" {
		return runCompare(duration, conns, rounds, addr, compare, filepath.Join(dir, "b"), syncMode)
	}
	taddr := freeAddr()
	self, _ := os.Executable()
	triv, err := startProcess(self, []string{"-serve-trivial", taddr}, nil, "http://"+taddr+"/")
	if err != nil {
		return err
	}
	defer stopProcess(triv)

	fmt.Printf("load: %d connections, %s per target per round, %d rounds, %d cores shared by both sides\n",
		conns, duration, rounds, numCPU())
	// Both servers stay up; the rounds alternate between them so that
	// whatever else the machine is doing affects both alike. Requests are
	// built and signed before the timer starts; the trivial handler gets the
	// same kind of requests.
	var ratios []float64
	var worstP99 time.Duration
	var failed int64
	for r := 1; r <= rounds; r++ {
		reqs := presignFor(duration, 25000)
		slash := load(fmt.Sprintf("round %d: tandem (durable task new)", r), []string{"http://" + addr + "/slack/commands"}, conns, duration, reqs.next)
		treqs := presignFor(duration, 60000)
		base := load(fmt.Sprintf("round %d: trivial net/http handler", r), []string{"http://" + taddr + "/"}, conns, duration, treqs.next)
		ratios = append(ratios, slash.rps/base.rps)
		worstP99 = max(worstP99, slash.p99)
		failed += slash.errors
	}
	sort.Float64s(ratios)
	fmt.Printf("\ntandem durable commands at %.1f%% of the trivial handler's rate (median of %d rounds; range %.1f–%.1f%%; target ≥ 35%%); worst p99 %.1f ms (target < 50 ms)\n",
		100*ratios[len(ratios)/2], len(ratios), 100*ratios[0], 100*ratios[len(ratios)-1], ms(worstP99))
	if failed > 0 {
		return fmt.Errorf("%d tandem requests failed", failed)
	}
	return nil
}

// buildTandem returns bin, or builds ./cmd/tandem into dir when bin is "".
func buildTandem(bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	bin = filepath.Join(dir, "tandem")
	build := exec.Command("go", "build", "-o", bin, "./cmd/tandem")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build tandem (run from the repository root, or pass -bin): %w", err)
	}
	return bin, nil
}

func numCPU() int { return runtime.NumCPU() }

// signed is a slash command body with its headers, built ahead of the run.
type signed struct {
	body []byte
	h    http.Header
}

// presigned hands out distinct signed slash commands; past the end it signs
// more on the fly.
type presigned struct {
	all []signed
	i   atomic.Int64
}

// presign builds n distinct, correctly signed slash commands. Each creates
// a task (a durable command); the timestamps stay valid for Slack's 5-minute
// window, longer than any run.
func presign(n int) *presigned {
	p := &presigned{all: make([]signed, n)}
	run := time.Now().UnixNano()
	for i := range p.all {
		p.all[i] = sign(run, int64(i))
	}
	return p
}

// presignFor signs enough requests for a load of d at up to perSecond
// requests a second, with some to spare; next signs more if they run out.
func presignFor(d time.Duration, perSecond float64) *presigned {
	return presign(int(d.Seconds()*perSecond) + 5000)
}

func sign(run, n int64) signed {
	body := url.Values{
		"command": {"/tandem"}, "text": {fmt.Sprintf(`task new "load test %d" p:high`, n)},
		"team_id": {"TLOAD"}, "channel_id": {"CLOAD"}, "user_id": {"U" + strconv.FormatInt(n%50, 10)},
		"user_name": {"loader"}, "trigger_id": {fmt.Sprintf("load.%d.%d", run, n)},
	}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+ts+":"+body)
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return signed{body: []byte(body), h: h}
}

func (p *presigned) next(u string, _ int64) *http.Request {
	i := p.i.Add(1) - 1
	s := signed{}
	if i < int64(len(p.all)) {
		s = p.all[i]
	} else {
		s = sign(time.Now().UnixNano(), i)
	}
	req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(s.body))
	req.Header = s.h
	return req
}

type result struct {
	rps           float64
	ok            int // requests answered 200
	p50, p99, max time.Duration
	errors        int64
}

// load sends requests to the urls round-robin (one url: all to it) from
// conns connections for d, after a warm-up, and prints the figures.
func load(name string, urls []string, conns int, d time.Duration, mk func(string, int64) *http.Request) result {
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	// A short warm-up so connection set-up is not measured.
	warm, cancelWarm := context.WithTimeout(context.Background(), d/10)
	hammer(warm, client, urls, conns, mk, nil)
	cancelWarm()

	var errs atomic.Int64
	var kindsMu sync.Mutex
	kinds := map[string]int{} // each failure's text ("status 500"), counted
	lat := make([][]time.Duration, conns)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	hammer(ctx, client, urls, conns, mk, func(i int, took time.Duration, err error) {
		if err != nil {
			errs.Add(1)
			kindsMu.Lock()
			kinds[err.Error()]++
			kindsMu.Unlock()
			return
		}
		lat[i] = append(lat[i], took)
	})
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := result{errors: errs.Load(), ok: len(all)}
	if len(all) > 0 {
		r.rps = float64(len(all)) / elapsed.Seconds()
		r.p50, r.p99, r.max = all[len(all)/2], all[len(all)*99/100], all[len(all)-1]
	}
	fmt.Printf("%-45s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %6.1f ms  (%d requests, %d errors)\n",
		name, r.rps, ms(r.p50), ms(r.p99), ms(r.max), len(all), r.errors)
	for kind, n := range kinds {
		fmt.Printf("%45s %d × %s\n", "", n, kind)
	}
	transport.CloseIdleConnections()
	return r
}

// startTandem starts bin on a free loopback port with a fresh database in
// dir and the load test's Slack app.
func startTandem(bin, dir, syncMode, profile string) (*exec.Cmd, string, error) {
	return startTandemOn(bin, dir, fmt.Sprintf(`{path: "%s", synchronous: %s}`, filepath.Join(dir, "tandem.db"), syncMode), nil, profile)
}

// startTandemOn starts bin on a free loopback port with the storage section
// given (YAML flow mapping), data in dir, and env added to its environment.
func startTandemOn(bin, dir, storage string, env []string, profile string) (*exec.Cmd, string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	addr := freeAddr()
	cfg := filepath.Join(dir, "tandem.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`
log: {level: warn}
http: {addr: "%s"}
storage: %s
console: {enabled: false}
slack: {signing_secret: "%s", bot_token: xoxb-load, bot_user_id: UBOT, api_url: "http://%s/api/"}
`, addr, storage, secret, freeAddr())), 0o644)
	args := []string{"--config", cfg}
	if profile != "" {
		args = append(args, "--cpuprofile", profile)
	}
	cmd, err := startProcess(bin, args, env, "http://"+addr+"/readyz")
	return cmd, addr, err
}

// runCompare loads two tandem binaries, both running, one after the other in
// every round, and reports the median and quartiles of the rounds' ratios
// (second / first). On a machine whose speed drifts by ±15 % between runs,
// pairing neighbouring rounds is what makes a few per cent visible. Two
// copies of the same binary gave medians of 1.00 and 1.03 (12 rounds of 2 s,
// quartiles within 0.99–1.06), so smaller effects than that stay hidden.
func runCompare(duration time.Duration, conns, rounds int, addrA, binB, dirB, syncMode string) error {
	other, addrB, err := startTandem(binB, dirB, syncMode, "")
	if err != nil {
		return err
	}
	defer stopProcess(other)
	fmt.Printf("compare: %d connections, %s per binary per round, %d rounds\n", conns, duration, rounds)
	var ratios []float64
	var failed int64
	for r := 1; r <= rounds; r++ {
		loadAt := func(which, addr string) result {
			return load(fmt.Sprintf("round %d: %s", r, which), []string{"http://" + addr + "/slack/commands"}, conns, duration, presignFor(duration, 25000).next)
		}
		// The order swaps every round, so that going first or second is no
		// advantage to either.
		var a, b result
		if r%2 == 1 {
			a, b = loadAt("first (-bin)", addrA), loadAt("second (-compare)", addrB)
		} else {
			b, a = loadAt("second (-compare)", addrB), loadAt("first (-bin)", addrA)
		}
		if a.rps > 0 {
			ratios = append(ratios, b.rps/a.rps)
		}
		failed += a.errors + b.errors
	}
	if len(ratios) == 0 {
		return fmt.Errorf("no requests succeeded")
	}
	sort.Float64s(ratios)
	n := len(ratios)
	fmt.Printf("\nsecond / first: median %.3f (quartiles %.3f–%.3f, range %.3f–%.3f, %d rounds)\n",
		ratios[n/2], ratios[n/4], ratios[3*n/4], ratios[0], ratios[n-1], n)
	if failed > 0 {
		return fmt.Errorf("%d requests failed", failed)
	}
	return nil
}

func hammer(ctx context.Context, c *http.Client, urls []string, conns int, mk func(string, int64) *http.Request, record func(int, time.Duration, error)) {
	var wg sync.WaitGroup
	var sent atomic.Int64
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req := mk(urls[int(sent.Add(1)-1)%len(urls)], 0)
				t0 := time.Now()
				resp, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if record != nil && ctx.Err() == nil {
					record(i, time.Since(t0), err)
				}
			}
		}()
	}
	wg.Wait()
}

func serveTrivial(addr string) {
	http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte("ok"))
	}))
}

func startProcess(bin string, args, env []string, ready string) (*exec.Cmd, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			return cmd, nil
		}
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("%s did not start:\n%s", bin, logs.String())
}

func stopProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
