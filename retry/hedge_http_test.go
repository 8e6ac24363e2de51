package retry_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

// slowShareServer answers GET on loopback: one request in every, the
// first of each group, is slow (it waits until the client gives it up, or
// two seconds), the others answer at once. It tracks its connections'
// states, to tell how many are open.
type slowShareServer struct {
	*httptest.Server
	every    atomic.Int32 // 0: none is slow
	pause    atomic.Int64 // how long the others take, in nanoseconds
	requests atomic.Int32
	slow     atomic.Int32 // slow requests the client gave up

	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

func newSlowShareServer(t *testing.T, every int32) *slowShareServer {
	t.Helper()
	s := &slowShareServer{conns: map[net.Conn]http.ConnState{}}
	s.every.Store(every)
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(c net.Conn, state http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if state == http.StateClosed || state == http.StateHijacked {
			delete(s.conns, c)
			return
		}
		s.conns[c] = state
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *slowShareServer) serve(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	if every := s.every.Load(); every > 0 && n%every == 1 {
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			s.slow.Add(1)
			return
		case <-t.C:
		}
		io.WriteString(w, "slow")
		return
	}
	time.Sleep(time.Duration(s.pause.Load()))
	io.WriteString(w, "fast")
}

// open returns the number of connections the server has not closed.
func (s *slowShareServer) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// bodyCounter is a RoundTripper that counts the response bodies it hands
// out and those closed.
type bodyCounter struct {
	base           http.RoundTripper
	opened, closed atomic.Int32
}

func (c *bodyCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	c.opened.Add(1)
	resp.Body = &countedBody{ReadCloser: resp.Body, c: c}
	return resp, nil
}

type countedBody struct {
	io.ReadCloser
	c    *bodyCounter
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.c.closed.Add(1) })
	return b.ReadCloser.Close()
}

// TestHedgedGETAgainstASlowServer hedges GET requests through DoHedged
// against a real server on loopback that is slow for a share of requests.
// Every call returns a response; every response body that a losing
// attempt got is closed through HedgeRelease (each body handed out is
// closed, and once the client drops its idle connections the server has
// none open: a body left open would hold its connection); the slow
// requests that lost are cancelled; and no goroutine outlives the calls.
func TestHedgedGETAgainstASlowServer(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() { // after the server's and the transport's cleanups
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines: %d before the test, %d after it:\n%s", before, runtime.NumGoroutine(), buf)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	srv := newSlowShareServer(t, 3)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	counter := &bodyCounter{base: transport}
	client := &http.Client{Transport: counter}
	var released atomic.Int32
	get := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			return nil, err
		}
		return client.Do(req)
	}
	release := retry.HedgeRelease(func(r *http.Response) {
		released.Add(1)
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	})
	const calls = 30
	for i := range calls {
		// A delay of 0 sends both attempts at once, so that both often
		// answer: the loser's response must be released.
		delay := 20 * time.Millisecond
		if i%2 == 1 {
			delay = 0
		}
		resp, err := retry.DoHedged(t.Context(), get, retry.Hedge(delay, 2), release)
		if err != nil {
			t.Fatalf("call %d: DoHedged() = %v", i, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains("fast slow", string(body)) {
			t.Errorf("call %d: %d %q, %v; want 200 and an answer", i, resp.StatusCode, body, err)
		}
	}
	// Now an operation that ignores its context, so that losers answer:
	// every one of their responses must be released. The server answers
	// after a pause, so that the hedge, sent at once, is in flight then.
	srv.every.Store(0)
	srv.pause.Store(int64(20 * time.Millisecond))
	stubborn := func(ctx context.Context) (*http.Response, error) { return get(context.WithoutCancel(ctx)) }
	const stubbornCalls = 5
	for i := range stubbornCalls {
		resp, err := retry.DoHedged(t.Context(), stubborn, retry.Hedge(0, 2), release)
		if err != nil {
			t.Fatalf("stubborn call %d: DoHedged() = %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := released.Load(); n < stubbornCalls {
		t.Errorf("%d losers' responses released; want at least %d, one per call whose loser ignored its context", n, stubbornCalls)
	}
	if n := srv.requests.Load(); n <= calls {
		t.Errorf("%d requests for %d calls; want hedges", n, calls)
	}
	if srv.slow.Load() == 0 {
		t.Errorf("no slow request was given up; want the losers cancelled")
	}
	if opened, closed := counter.opened.Load(), counter.closed.Load(); opened != closed {
		t.Errorf("%d response bodies handed out, %d closed; want every one closed", opened, closed)
	}
	transport.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for srv.open() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open once the client dropped its idle ones; want none", srv.open())
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("%d calls, %d requests, %d slow ones given up, %d losers' responses released",
		calls, srv.requests.Load(), srv.slow.Load(), released.Load())
}
