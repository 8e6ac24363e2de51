package chaos

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/internal/sim"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// resetProxy is a TCP proxy on loopback in front of target that resets
// (closes with an RST, before reading a byte) each connection it accepts
// with probability rate, drawn from a source seeded with seed, and passes
// the others through. Connections are drawn in the order they are
// accepted, so that sequential clients meet the same faults in every run.
type resetProxy struct {
	ln     net.Listener
	target string
	rate   float64
	rand   *rand.Rand

	mu     sync.Mutex
	accept int // connections accepted
	resets int // of those, the ones reset
	wg     sync.WaitGroup
}

func newResetProxy(t *testing.T, target string, rate float64, seed uint64) *resetProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &resetProxy{ln: ln, target: target, rate: rate, rand: rand.New(rand.NewPCG(seed, 0))}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *resetProxy) addr() string { return p.ln.Addr().String() }

func (p *resetProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		p.accept++
		reset := p.rand.Float64() < p.rate
		if reset {
			p.resets++
		}
		p.mu.Unlock()
		if reset {
			c.(*net.TCPConn).SetLinger(0) // close sends an RST
			c.Close()
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.pipe(c)
		}()
	}
}

// pipe copies c to the target and back until either side closes.
func (p *resetProxy) pipe(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(up, c)
		up.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(c, up)
	c.(*net.TCPConn).CloseWrite()
	<-done
}

func (p *resetProxy) counts() (accepted, reset int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accept, p.resets
}

// requests is how many sequential requests each run sends.
const requests = 300

// fast is the retry loop's defaults with no wait between attempts: the
// budget, which this test is about, never looks at time, and waits of the
// default strategy would make each run take a minute.
var fast = retryhttp.Retry(retry.Backoff(backoff.Constant(0)))

// successes sends requests GET requests, one after the other, each on a
// connection of its own, through a fresh retryhttp Transport (so that its
// per-host budget starts afresh) with opts, to a server behind a proxy
// that resets rate of the connections, drawn with seed. It returns how
// many requests succeeded and how many connections reached the proxy.
func successes(t *testing.T, rate float64, seed uint64, opts ...retryhttp.Option) (ok, attempts int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	proxy := newResetProxy(t, srv.Listener.Addr().String(), rate, seed)

	base := &http.Transport{DisableKeepAlives: true}
	defer base.CloseIdleConnections()
	client := &http.Client{Transport: retryhttp.New(base, append([]retryhttp.Option{fast}, opts...)...)}
	url := "http://" + proxy.addr() + "/"
	for range requests {
		resp, err := client.Get(url)
		if err != nil {
			if !errors.Is(err, retry.ErrMaxAttempts) && !errors.Is(err, retry.ErrBudgetExhausted) && !errors.Is(err, retry.ErrMaxUnknownAttempts) {
				t.Fatalf("GET = %v; want a success, or an error of the retry loop", err)
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && string(body) == "ok" {
			ok++
		}
	}
	attempts, _ = proxy.counts()
	return ok, attempts
}

// TestDefaultBudgetKeepsSuccessesUnderRandomConnectionResets checks that
// the default per-host budget of retryhttp does not starve a server that
// is healthy but behind a network that resets a share of its connections at
// random: with the default budget, at least 95% as many of 300 sequential
// requests succeed as with no budget at all, at 20%, 30% and 40% of
// connections reset. The faults are seeded and drawn per connection, in
// order, so each run of the test sees the same ones.
func TestDefaultBudgetKeepsSuccessesUnderRandomConnectionResets(t *testing.T) {
	for _, rate := range []float64{0.2, 0.3, 0.4} {
		const seed = 1
		withBudget, callsBudget := successes(t, rate, seed)
		without, callsNone := successes(t, rate, seed, retryhttp.NoBudget())
		t.Logf("%.0f%% of connections reset: %d of %d requests succeed with the default budget (%d connections), %d with no budget (%d connections)",
			100*rate, withBudget, requests, callsBudget, without, callsNone)
		if float64(withBudget) < 0.95*float64(without) {
			t.Errorf("%.0f%% of connections reset: %d successes with the default budget, %d with none; want at least 95%% of them",
				100*rate, withBudget, without)
		}
	}
}

// TestDefaultBudgetStormAmplificationWhenDown measures the storm figure of
// retryhttp's default budget against a real server that no request
// reaches: the proxy resets every connection. Each request may make up to
// 6 attempts, but the budget allows at most 1.1 connections per request
// beyond the 10 retries its reserve starts with, and reaches that bound
// to within one, which pins the default's parameters to those of the
// simulator's budget (sim.BudgetRatio, sim.BudgetBurst), whose storm
// claims internal/sim checks.
func TestDefaultBudgetStormAmplificationWhenDown(t *testing.T) {
	ok, attempts := successes(t, 1, 1)
	if ok != 0 {
		t.Fatalf("%d requests succeeded through a proxy that resets every connection; want none", ok)
	}
	bound := (1+sim.BudgetRatio)*requests + sim.BudgetBurst
	beyond := float64(attempts-sim.BudgetBurst) / requests
	t.Logf("every connection reset: %d connections for %d requests with the default budget: %.4f per request, %.4f beyond the reserve of %d",
		attempts, requests, float64(attempts)/requests, beyond, sim.BudgetBurst)
	if beyond > 1.1 || float64(attempts) > bound || float64(attempts) < bound-1 {
		t.Errorf("%d connections for %d requests; want at most 1.1 per request beyond the reserve, and within one of %v, the bound of Budget(%v, %d)",
			attempts, requests, bound, sim.BudgetRatio, sim.BudgetBurst)
	}
}
