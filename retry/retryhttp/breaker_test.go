package retryhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// flaky is an HTTP handler that answers 503 while it is down, and "ok"
// otherwise, and counts the requests that reach it.
type flaky struct {
	down atomic.Bool
	hits atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	io.Copy(io.Discard, r.Body)
	if f.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok")
}

// changesOf returns the changes of state that rec, a breakers' subscriber,
// holds, as "name: from -> to".
func changesOf(rec *observe.Recorder) (out []string) {
	for _, e := range rec.Events() {
		c := e.(observe.BreakerStateChange) // a breaker sends no other event
		out = append(out, fmt.Sprintf("%s: %v -> %v", c.Breaker, c.From, c.To))
	}
	return out
}

// sendWithin sends a GET to url through rt with a context that ends after
// d, and returns what send does.
func sendWithin(t *testing.T, rt http.RoundTripper, url string, d time.Duration) (int, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return send(rt, req)
}

// TestBreakerPerHostOpensForItsHostOnly runs against two real servers on
// loopback: three 503s in a row from one open its breaker, the other
// stays reachable; the requests that the open breaker refuses never reach
// the server, and their bodies are closed; once the server is back, a
// request that waits for the probe gets through and closes the breaker.
// It asserts nothing about time: a request that finds the break over or
// nearly over (the machine stalled) is, or waits for, a probe, which the
// server, still down, fails.
func TestBreakerPerHostOpensForItsHostOnly(t *testing.T) {
	checkLeaks(t)
	a, b := &flaky{}, &flaky{}
	a.down.Store(true)
	srvA, srvB := httptest.NewServer(a), httptest.NewServer(b)
	t.Cleanup(srvA.Close)
	t.Cleanup(srvB.Close)
	changes := &observe.Recorder{}
	tr := newTransport(t, retryhttp.Retry(retry.MaxAttempts(1)), retryhttp.BreakerPerHost(breaker.Config{
		ConsecutiveFailures: 3,
		BreakDuration:       500 * time.Millisecond,
		Subscribers:         []observe.Subscriber{changes},
	}))

	for n := range 3 {
		if code, _, err := do(t, tr, "GET", srvA.URL, ""); code != 503 || err != nil {
			t.Fatalf("request %d to A = %d, %v; want 503, nil", n+1, code, err)
		}
	}
	if code, body, err := do(t, tr, "GET", srvB.URL, ""); code != 200 || body != "ok" || err != nil {
		t.Fatalf("request to B = %d %q, %v; want 200 \"ok\", nil: B's breaker is its own", code, body, err)
	}

	refused := 0
	for n := range 5 {
		before := a.hits.Load()
		body := newBody("payload")
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		req, err := http.NewRequestWithContext(ctx, "PUT", srvA.URL, body)
		if err != nil {
			t.Fatal(err)
		}
		req.GetBody = func() (io.ReadCloser, error) { return newBody("payload"), nil }
		resp, err := tr.RoundTrip(req)
		cancel()
		switch {
		case errors.Is(err, retry.ErrBreakerOpen):
			refused++
			if !errors.Is(err, breaker.ErrOpen) {
				t.Errorf("refused request %d: %v does not match breaker.ErrOpen", n, err)
			}
			if got := a.hits.Load(); got != before {
				t.Errorf("refused request %d reached the server: %d hits, %d before", n, got, before)
			}
			if !body.closed.Load() {
				t.Errorf("refused request %d: its body was not closed", n)
			}
		case err == nil:
			// A probe, once the break was over: A, still down, fails it.
			resp.Body.Close()
			if resp.StatusCode != 503 || a.hits.Load() != before+1 {
				t.Errorf("probe %d = %d, %d hits; want 503, %d hits", n, resp.StatusCode, a.hits.Load(), before+1)
			}
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, retry.ErrDeadline):
			// On a busy machine, the break was nearly over: the request
			// waited for the probe, and ran out of time before it or
			// during it. The server may have seen it or not.
			if got := a.hits.Load(); got != before && got != before+1 {
				t.Errorf("request %d, out of time: %d hits, %d before", n, got, before)
			}
		default:
			t.Fatalf("request %d to A, open = %v; want a refusal matching retry.ErrBreakerOpen", n, err)
		}
	}
	if refused == 0 {
		t.Fatal("no request was refused while A was down")
	}

	a.down.Store(false)
	if code, body, err := sendWithin(t, tr, srvA.URL, 30*time.Second); code != 200 || body != "ok" || err != nil {
		t.Fatalf("request to A, back = %d %q, %v; want 200 \"ok\", nil, after the probe", code, body, err)
	}
	before := a.hits.Load()
	if code, _, err := do(t, tr, "GET", srvA.URL, ""); code != 200 || err != nil || a.hits.Load() != before+1 {
		t.Fatalf("request to A, closed = %d, %v; want 200, nil, sent", code, err)
	}

	got := changesOf(changes)
	if len(got) < 3 {
		t.Fatalf("state changes %q; want closed -> open, ..., half_open -> closed", got)
	}
	nameA := strings.TrimPrefix(srvA.URL, "http://")
	if want := "http://" + nameA + ": closed -> open"; got[0] != want {
		t.Errorf("first change %q; want %q", got[0], want)
	}
	if want := "http://" + nameA + ": half_open -> closed"; got[len(got)-1] != want {
		t.Errorf("last change %q; want %q", got[len(got)-1], want)
	}
	for _, c := range got {
		if !strings.HasPrefix(c, "http://"+nameA+": ") {
			t.Errorf("change %q is not of A's breaker", c)
		}
	}
}

// memNet is an in-memory network of named hosts, for real HTTP servers
// and clients in a synctest bubble: its connections are net.Pipes, on
// which a goroutine that waits is durably blocked, so that the bubble's
// fake clock runs while clients and servers wait for each other.
type memNet struct {
	hosts map[string]*memListener // by "host:port"
}

type memListener struct {
	addr  string
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr(l.addr) }

// serve starts an HTTP server of h at addr ("host:port"), and returns a
// function that stops it.
func (n *memNet) serve(addr string, h http.Handler) (stop func()) {
	l := &memListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	n.hosts[addr] = l
	srv := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	return func() {
		srv.Close()
		<-served
	}
}

// transport returns an http.Transport that dials the hosts of n.
func (n *memNet) transport() *http.Transport {
	return &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			l, ok := n.hosts[addr]
			if !ok {
				return nil, fmt.Errorf("memnet: no host %s", addr)
			}
			client, server := net.Pipe()
			select {
			case l.conns <- server:
				return client, nil
			case <-l.done:
				return nil, net.ErrClosed
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
	}
}

// TestBreakerPerHostDefaults follows a host's breaker of the default
// Config, on the fake clock of a synctest bubble, through real HTTP
// servers and clients on in-memory connections: ten 503s in a row open
// it; while it is open, the requests that cannot wait for its probe are
// refused, by RoundTrip and by Do, without reaching the server, and the
// other host is called; after the break, a probe that fails opens it
// again, for longer; once the server is back, the next probe closes it.
func TestBreakerPerHostDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := &memNet{hosts: map[string]*memListener{}}
		a, b := &flaky{}, &flaky{}
		a.down.Store(true)
		defer net.serve("a.test:80", a)()
		defer net.serve("b.test:80", b)()
		next := net.transport()
		defer next.CloseIdleConnections()
		changes := &observe.Recorder{}
		rec := &observe.Recorder{}
		tr := retryhttp.New(next,
			retryhttp.Retry(retry.MaxAttempts(1), retry.Deadline(time.Second), retry.Subscribe(rec)),
			retryhttp.BreakerPerHost(breaker.Config{Subscribers: []observe.Subscriber{changes}}))
		client := &http.Client{Transport: tr}
		get := func(url string) (int, error) {
			t.Helper()
			code, _, err := do(t, tr, "GET", url, "")
			return code, err
		}

		for n := range breaker.DefaultConsecutiveFailures {
			if code, err := get("http://a.test/"); code != 503 || err != nil {
				t.Fatalf("request %d to A = %d, %v; want 503, nil", n+1, code, err)
			}
		}
		if _, err := get("http://a.test/"); !errors.Is(err, retry.ErrBreakerOpen) || !errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("request to A, open = %v; want retry.ErrBreakerOpen and breaker.ErrOpen", err)
		}
		req, _ := http.NewRequest("GET", "http://a.test/", nil)
		_, err := retryhttp.Do(client, req, func(*http.Response) (string, error) { return "", nil })
		if !errors.Is(err, retry.ErrBreakerOpen) {
			t.Fatalf("Do to A, open = %v; want retry.ErrBreakerOpen", err)
		}
		if code, err := get("http://b.test/"); code != 200 || err != nil {
			t.Fatalf("request to B = %d, %v; want 200, nil", code, err)
		}
		if got, want := a.hits.Load(), int32(breaker.DefaultConsecutiveFailures); got != want {
			t.Fatalf("A got %d requests; want %d: the refused ones are not sent", got, want)
		}
		if n := rec.Count(observe.KindBreakerRejected); n != 2 {
			t.Errorf("%d BreakerRejected events; want 2, one per refused call, which gave up", n)
		}

		time.Sleep(breaker.DefaultBreakDuration) // the break is over
		if code, err := get("http://a.test/"); code != 503 || err != nil {
			t.Fatalf("probe of A, down = %d, %v; want 503, nil", code, err)
		}
		time.Sleep(breaker.DefaultBreakDuration) // the second break is longer
		if _, err := get("http://a.test/"); !errors.Is(err, retry.ErrBreakerOpen) {
			t.Fatalf("request to A, open again = %v; want retry.ErrBreakerOpen", err)
		}

		a.down.Store(false)
		time.Sleep(breaker.DefaultBreakDuration)
		for n := range 2 {
			if code, err := get("http://a.test/"); code != 200 || err != nil {
				t.Fatalf("request %d to A, back = %d, %v; want 200, nil", n+1, code, err)
			}
		}
		if got, want := a.hits.Load(), int32(breaker.DefaultConsecutiveFailures+3); got != want {
			t.Errorf("A got %d requests; want %d", got, want)
		}
		want := []string{
			"http://a.test:80: closed -> open",
			"http://a.test:80: open -> half_open",
			"http://a.test:80: half_open -> open",
			"http://a.test:80: open -> half_open",
			"http://a.test:80: half_open -> closed",
		}
		if got := changesOf(changes); !slices.Equal(got, want) {
			t.Errorf("state changes:\n%q\nwant:\n%q", got, want)
		}
	})
}

// TestBreakerCountsFailuresOfRequestsNotRetried: a POST that fails is not
// retried, but its failure speaks of the host's health as a GET's does,
// and must count against its breaker.
func TestBreakerCountsFailuresOfRequestsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return response(r, 503, http.NoBody), nil
		})
		tr := retryhttp.New(next, retryhttp.BreakerPerHost(breaker.Config{ConsecutiveFailures: 3}),
			retryhttp.Retry(retry.Deadline(time.Second)))
		for n := range 3 {
			if code, _, err := do(t, tr, "POST", "http://a.test/", "x"); code != 503 || err != nil {
				t.Fatalf("POST %d = %d, %v; want 503, nil", n+1, code, err)
			}
		}
		if _, _, err := do(t, tr, "POST", "http://a.test/", "x"); !errors.Is(err, retry.ErrBreakerOpen) {
			t.Errorf("POST after 3 failures = %v; want retry.ErrBreakerOpen", err)
		}
	})
}

// TestRetryNoBreakerOverridesBreakerPerHost: retry.NoBreaker among the
// options of Retry lifts the breakers of BreakerPerHost.
func TestRetryNoBreakerOverridesBreakerPerHost(t *testing.T) {
	calls := 0
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return response(r, 503, http.NoBody), nil
	})
	tr := retryhttp.New(next, retryhttp.BreakerPerHost(breaker.Config{ConsecutiveFailures: 1}),
		retryhttp.Retry(retry.MaxAttempts(1), retry.NoBreaker()))
	for n := range 3 {
		if code, _, err := do(t, tr, "GET", "http://a.test/", ""); code != 503 || err != nil {
			t.Fatalf("request %d = %d, %v; want 503, nil", n+1, code, err)
		}
	}
	if calls != 3 {
		t.Errorf("%d requests sent; want 3", calls)
	}
}
