package retryhttp_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// hedgeServer is a server on loopback that answers each request with
// handle, given the request's number, counting from 1, and tracks its
// open connections.
type hedgeServer struct {
	*httptest.Server
	handle   func(w http.ResponseWriter, r *http.Request, n int)
	requests atomic.Int32

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func newHedgeServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *hedgeServer {
	t.Helper()
	s := &hedgeServer{handle: handle, conns: map[net.Conn]bool{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.handle(w, r, int(s.requests.Add(1)))
	}))
	s.Config.ConnState = func(c net.Conn, state http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if state == http.StateClosed || state == http.StateHijacked {
			delete(s.conns, c)
			return
		}
		s.conns[c] = true
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// waitNoConns fails the test unless the server's connections are all
// closed within a few seconds.
func (s *hedgeServer) waitNoConns(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d connections open at the server once the client dropped its idle ones; want none", n)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countingTransport is a RoundTripper that counts the response bodies it
// hands out and those closed.
type countingTransport struct {
	next           *http.Transport
	opened, closed atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	c.opened.Add(1)
	resp.Body = &countedBody{ReadCloser: resp.Body, c: c}
	return resp, nil
}

func (c *countingTransport) CloseIdleConnections() { c.next.CloseIdleConnections() }

type countedBody struct {
	io.ReadCloser
	c    *countingTransport
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.c.closed.Add(1) })
	return b.ReadCloser.Close()
}

// newHedgeTransport returns a hedging Transport over a countingTransport
// over newTrackedTransport, with fast, NoBudget and opts.
func newHedgeTransport(t *testing.T, opts ...retryhttp.Option) (*retryhttp.Transport, *countingTransport) {
	t.Helper()
	counter := &countingTransport{next: newTrackedTransport(t)}
	return retryhttp.New(counter, append([]retryhttp.Option{fast, retryhttp.NoBudget()}, opts...)...), counter
}

// checkBodies fails the test unless every response body that counter
// handed out was closed, and, once the client drops its idle connections,
// the server has none open.
func checkBodies(t *testing.T, rt *retryhttp.Transport, counter *countingTransport, srv *hedgeServer) {
	t.Helper()
	if opened, closed := counter.opened.Load(), counter.closed.Load(); opened != closed {
		t.Errorf("%d response bodies handed out, %d closed; want every one closed", opened, closed)
	}
	rt.CloseIdleConnections()
	srv.waitNoConns(t)
}

// TestHedgeCutsTheTailAgainstASlowServer sends GETs through a hedging
// Transport to a real server on loopback for which one request in three
// is slow: it answers only after ten seconds, unless the client gives it
// up. Every call returns the answer of a fast request, so that no call
// waits for a slow one; every slow request is given up (its attempt lost
// and was cancelled); every response body is closed, the server has no
// connection left, and no goroutine outlives the calls.
func TestHedgeCutsTheTailAgainstASlowServer(t *testing.T) {
	for _, hedge := range []retryhttp.Option{
		retryhttp.Hedge(20*time.Millisecond, 3),
		// The delay is at most Cap: the fallback, then a quantile of the
		// fast requests' latency.
		retryhttp.HedgeAdaptive(retry.LatencyConfig{MinSamples: 3, Floor: 5 * time.Millisecond, Cap: 20 * time.Millisecond}, 3),
	} {
		t.Run(hedge.String(), func(t *testing.T) { testHedgeCutsTheTail(t, hedge) })
	}
}

func testHedgeCutsTheTail(t *testing.T, hedge retryhttp.Option) {
	checkLeaks(t)
	var slow, givenUp atomic.Int32
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n%3 == 1 {
			slow.Add(1)
			timer := time.NewTimer(10 * time.Second)
			defer timer.Stop()
			select {
			case <-r.Context().Done():
				givenUp.Add(1)
				return
			case <-timer.C:
			}
			io.WriteString(w, "slow")
			return
		}
		io.WriteString(w, "fast")
	})
	rt, counter := newHedgeTransport(t, hedge)
	const calls = 12
	fastAnswers := 0
	for i := range calls {
		code, body, err := do(t, rt, http.MethodGet, srv.URL, "")
		if err != nil || code != http.StatusOK {
			t.Fatalf("call %d: %d %q, %v; want 200", i, code, body, err)
		}
		if body == "fast" {
			fastAnswers++
		}
	}
	if fastAnswers != calls {
		t.Errorf("%d calls of %d got a fast answer; want every one: a hedge beats a slow request", fastAnswers, calls)
	}
	if n := srv.requests.Load(); n <= calls {
		t.Errorf("%d requests for %d calls; want hedges", n, calls)
	}
	deadline := time.Now().Add(5 * time.Second)
	for givenUp.Load() != slow.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s, g := slow.Load(), givenUp.Load(); s == 0 || g != s {
		t.Errorf("%d slow requests, %d given up; want some, and every one given up", s, g)
	}
	checkBodies(t, rt, counter, srv)
}

// TestHedgeClosesTheLosersBodies hedges GETs at once, against a server
// that answers every request after a pause, so that losers get responses
// too: every response body is closed, the server has no connection left,
// and no goroutine outlives the calls.
func TestHedgeClosesTheLosersBodies(t *testing.T) {
	for _, hedge := range hedgeAtOnce {
		t.Run(hedge.String(), func(t *testing.T) { testHedgeClosesTheLosersBodies(t, hedge) })
	}
}

func testHedgeClosesTheLosersBodies(t *testing.T, hedge retryhttp.Option) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		time.Sleep(10 * time.Millisecond)
		io.WriteString(w, strings.Repeat("x", 1000))
	})
	rt, counter := newHedgeTransport(t, hedge)
	const calls = 5
	for i := range calls {
		code, body, err := do(t, rt, http.MethodGet, srv.URL, "")
		if err != nil || code != http.StatusOK || len(body) != 1000 {
			t.Fatalf("call %d: %d, %d bytes, %v; want 200 and 1000 bytes", i, code, len(body), err)
		}
	}
	if n := srv.requests.Load(); n <= calls {
		t.Errorf("%d requests for %d calls; want hedges", n, calls)
	}
	checkBodies(t, rt, counter, srv)
}

// hedgeAtOnce are options that hedge at once: Hedge with no delay, and
// HedgeAdaptive with a floor and a cap of a nanosecond.
var hedgeAtOnce = []retryhttp.Option{
	retryhttp.Hedge(0, 3),
	retryhttp.HedgeAdaptive(retry.LatencyConfig{Floor: time.Nanosecond, Cap: time.Nanosecond}, 3),
}

// TestHedgeSendsAPOSTOnce hedges at once against a server that answers
// after a pause: a POST reaches the server once, a GET and a POST with an
// Idempotency-Key more than once.
func TestHedgeSendsAPOSTOnce(t *testing.T) {
	for _, hedge := range hedgeAtOnce {
		t.Run(hedge.String(), func(t *testing.T) { testHedgeSendsAPOSTOnce(t, hedge) })
	}
}

func testHedgeSendsAPOSTOnce(t *testing.T, hedge retryhttp.Option) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(100 * time.Millisecond)
		io.WriteString(w, "done")
	})
	rt, counter := newHedgeTransport(t, hedge)
	send := func(method, key string) int32 {
		t.Helper()
		before := srv.requests.Load()
		req, err := http.NewRequest(method, srv.URL, strings.NewReader("order 42"))
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		code, body, err := send(rt, req)
		if err != nil || code != http.StatusOK || body != "done" {
			t.Fatalf("%s: %d %q, %v; want 200 done", method, code, body, err)
		}
		return srv.requests.Load() - before
	}
	if n := send(http.MethodPost, ""); n != 1 {
		t.Errorf("a POST reached the server %d times; want once", n)
	}
	if n := send(http.MethodGet, ""); n < 2 {
		t.Errorf("a GET reached the server %d times; want hedges", n)
	}
	if n := send(http.MethodPost, "k-1"); n < 2 {
		t.Errorf("a POST with an Idempotency-Key reached the server %d times; want hedges", n)
	}
	checkBodies(t, rt, counter, srv)
}

// TestHedgeReplaysTheBody hedges PUTs at once: the server reads the body
// of every attempt, and each is the whole body.
func TestHedgeReplaysTheBody(t *testing.T) {
	checkLeaks(t)
	const payload = `{"id": 42, "name": "a body every attempt must carry whole"}`
	var mu sync.Mutex
	var bodies []string
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return // an attempt cancelled as it was read
		}
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, "stored")
	})
	rt, counter := newHedgeTransport(t, retryhttp.Hedge(0, 3))
	for i := range 3 {
		if code, body, err := do(t, rt, http.MethodPut, srv.URL, payload); err != nil || code != http.StatusOK || body != "stored" {
			t.Fatalf("call %d: %d %q, %v; want 200 stored", i, code, body, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) <= 3 {
		t.Errorf("the server read %d bodies for 3 calls; want hedges", len(bodies))
	}
	for i, b := range bodies {
		if b != payload {
			t.Errorf("body %d = %q; want %q", i, b, payload)
		}
	}
	checkBodies(t, rt, counter, srv)
}

// TestHedgeAfterAFailure: the first request stalls, the hedge meets a 503,
// which starts the next attempt at once, and that one's 200 wins; when
// every attempt meets a 503, RoundTrip returns the last one, readable in
// full. The 503s' bodies are longer than a failed response's body that is
// read at once (64 KiB), so that they stay open until the call closes
// them.
func TestHedgeAfterAFailure(t *testing.T) {
	checkLeaks(t)
	busy := strings.Repeat("busy ", 20<<10)
	var mode atomic.Int32 // 0: stall, 503, 200; 1: always 503
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case mode.Load() == 1 || n == 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, busy)
		case n == 1:
			<-r.Context().Done()
		default:
			io.WriteString(w, "ok")
		}
	})
	rt, counter := newHedgeTransport(t, retryhttp.Hedge(10*time.Millisecond, 2), retryhttp.Retry(retry.MaxAttempts(3)))
	if code, body, err := do(t, rt, http.MethodGet, srv.URL, ""); err != nil || code != http.StatusOK || body != "ok" {
		t.Errorf("stall, 503, 200: %d %.10q, %v; want 200 ok", code, body, err)
	}
	mode.Store(1)
	before := srv.requests.Load()
	if code, body, err := do(t, rt, http.MethodGet, srv.URL, ""); err != nil || code != http.StatusServiceUnavailable || body != busy {
		t.Errorf("503s: %d %d bytes, %v; want the last 503, its %d bytes", code, len(body), err, len(busy))
	}
	if n := srv.requests.Load() - before; n != 3 {
		t.Errorf("503s: %d requests; want 3, as MaxAttempts(3) says", n)
	}
	checkBodies(t, rt, counter, srv)
}

// TestHedgeGivesUpAsWithoutHedging: when the last attempt fails without a
// response, after one that got a 503, a hedging Transport returns the
// error, as one without Hedge does, not the 503 of the attempt before.
func TestHedgeGivesUpAsWithoutHedging(t *testing.T) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n%2 == 1 {
			w.Header().Set("Connection", "close") // the next request dials anew, and is not resent by http.Transport
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "busy")
			return
		}
		hijack("")(w, r, n) // the connection closes before the response
	})
	for _, hedging := range []bool{false, true} {
		opts := []retryhttp.Option{retryhttp.Retry(retry.MaxAttempts(2))}
		if hedging {
			opts = append(opts, retryhttp.Hedge(time.Minute, 2)) // one attempt at a time
		}
		rt, counter := newHedgeTransport(t, opts...)
		if code, body, err := do(t, rt, http.MethodGet, srv.URL, ""); err == nil || !errors.Is(err, io.EOF) {
			t.Errorf("hedging %v: 503, then a closed connection: %d %q, %v; want the error, io.EOF", hedging, code, body, err)
		}
		checkBodies(t, rt, counter, srv)
	}
}

// TestHedgeWithAResultClassifier hedges against a server whose answers a
// result classifier rejects: when they are all rejected, RoundTrip returns
// the last one, readable; when a hedge's answer is accepted, it wins.
// Every other response is closed.
func TestHedgeWithAResultClassifier(t *testing.T) {
	checkLeaks(t)
	var mode atomic.Int32 // 0: always pending; 1: pending, then done
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if mode.Load() == 1 && n%2 == 0 {
			io.WriteString(w, "done")
			return
		}
		time.Sleep(10 * time.Millisecond)
		io.WriteString(w, "pending")
	})
	pending := retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
		body, err := retryhttp.ReadBody(resp)
		return classify.Transient, err != nil || string(body) == "pending"
	})
	rt, counter := newHedgeTransport(t, retryhttp.Hedge(0, 2), retryhttp.Retry(retry.MaxAttempts(4), pending))
	if code, body, err := do(t, rt, http.MethodGet, srv.URL, ""); err != nil || code != http.StatusOK || body != "pending" {
		t.Errorf("all pending: %d %q, %v; want the last, 200 pending", code, body, err)
	}
	mode.Store(1)
	srv.requests.Store(0)
	if code, body, err := do(t, rt, http.MethodGet, srv.URL, ""); err != nil || code != http.StatusOK || body != "done" {
		t.Errorf("pending, then done: %d %q, %v; want 200 done", code, body, err)
	}
	checkBodies(t, rt, counter, srv)
}

// TestHedgePanicClosesEveryResponse: a RoundTripper gets a 503 whose body
// is too long to be read at once, then panics at the next attempt: the
// panic reaches the caller of RoundTrip, and the 503's body is closed
// (by the call, or, if the panic cancelled the first attempt as its
// response came, by that attempt).
func TestHedgePanicClosesEveryResponse(t *testing.T) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, strings.Repeat("busy ", 20<<10))
	})
	counter := &countingTransport{next: newTrackedTransport(t)}
	var calls atomic.Int32
	got := make(chan struct{}) // the first attempt got its response
	panicky := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			defer close(got)
			return counter.RoundTrip(r)
		}
		<-got
		panic("boom")
	})
	rt := retryhttp.New(panicky, fast, retryhttp.NoBudget(), retryhttp.Hedge(0, 2))
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recover() = %v; want boom", p)
			}
		}()
		do(t, rt, http.MethodGet, srv.URL, "")
		t.Errorf("RoundTrip returned; want a panic")
	}()
	if opened, closed := counter.opened.Load(), counter.closed.Load(); opened != 1 || closed != 1 {
		t.Errorf("%d response bodies handed out, %d closed; want 1, closed", opened, closed)
	}
	counter.CloseIdleConnections()
	srv.waitNoConns(t)
}

// TestHedgeConcurrentCalls runs hedged calls at once through one
// Transport, for the race detector.
func TestHedgeConcurrentCalls(t *testing.T) {
	for _, hedge := range hedgeAtOnce {
		t.Run(hedge.String(), func(t *testing.T) { testHedgeConcurrentCalls(t, hedge) })
	}
}

func testHedgeConcurrentCalls(t *testing.T, hedge retryhttp.Option) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := io.ReadAll(r.Body)
		if n%4 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		w.Write(b)
	})
	rt, counter := newHedgeTransport(t, hedge)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 5 {
				code, body, err := do(t, rt, http.MethodPut, srv.URL, "body")
				if err != nil || (code != http.StatusOK && code != http.StatusServiceUnavailable) || body != "body" {
					t.Errorf("goroutine %d: %d %q, %v; want 200 or 503, body", i, code, body, err)
				}
			}
		})
	}
	wg.Wait()
	checkBodies(t, rt, counter, srv)
}

func TestHedgeRejectsInvalidValues(t *testing.T) {
	tests := []struct {
		opt  retryhttp.Option
		want string
	}{
		{retryhttp.Hedge(-time.Second, 2), "retryhttp: Hedge(-1s, 2): delay must not be negative"},
		{retryhttp.Hedge(time.Second, 1), "retryhttp: Hedge(1s, 1): max must be at least 2: the first attempt and a hedge"},
		{retryhttp.HedgeAdaptive(retry.LatencyConfig{}, 0), "retryhttp: HedgeAdaptive({}, 0): max must be at least 2: the first attempt and a hedge"},
		{retryhttp.HedgeAdaptive(retry.LatencyConfig{Floor: -time.Millisecond}, 2), "retryhttp: HedgeAdaptive({Floor:-1ms}, 2): Floor -1ms must not be negative"},
		{retryhttp.HedgeAdaptive(retry.LatencyConfig{Quantile: 1.5, Cap: time.Second}, 2), "retryhttp: HedgeAdaptive({Quantile:1.5 Cap:1s}, 2): Quantile 1.5: want more than 0 and less than 1"},
		{retryhttp.HedgeAdaptive(retry.LatencyConfig{Floor: time.Second, Cap: time.Millisecond}, 2), "retryhttp: HedgeAdaptive({Floor:1s Cap:1ms}, 2): Cap 1ms must not be below Floor 1s"},
		{retryhttp.HedgeAdaptive(retry.LatencyConfig{MinSamples: -1}, 2), "retryhttp: HedgeAdaptive({MinSamples:-1}, 2): MinSamples -1: want at least 1"},
		{retryhttp.HedgeAdaptive(retry.LatencyConfig{Fallback: time.Hour}, 2), "retryhttp: HedgeAdaptive({Fallback:1h0m0s}, 2): Fallback 1h0m0s must be within [1ms, 1s]"},
	}
	for _, tt := range tests {
		rt := retryhttp.New(roundTripFunc(func(r *http.Request) (*http.Response, error) {
			t.Fatalf("%v: a request was sent", tt.opt)
			return nil, nil
		}), tt.opt)
		// A POST, which is not hedged, fails as a GET does.
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req, _ := http.NewRequest(method, "http://127.0.0.1:1/", nil)
			_, err := rt.RoundTrip(req)
			if !errors.Is(err, retry.ErrInvalidOption) || err.Error() != tt.want {
				t.Errorf("RoundTrip of a %s with %v = %v; want %q, matching retry.ErrInvalidOption", method, tt.opt, err, tt.want)
			}
		}
	}
}
