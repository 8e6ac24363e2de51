package retryhttp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// fast makes the tests' retries wait as little as they can: no backoff, and
// a server's hint capped at a millisecond.
var fast = retryhttp.Retry(
	retry.Backoff(backoff.Constant(0)),
	retry.MaxRetryAfter(time.Millisecond),
)

// checkLeaks fails the test if goroutines that it started outlive it. Call
// it first, so that its cleanup runs last, after the servers and
// transports are closed. Tests that call it must not run in parallel.
func checkLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
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
}

// server is an httptest server on loopback that runs one step per request,
// in order, repeating the last, and counts the requests and connections.
type server struct {
	*httptest.Server
	steps    []step
	requests atomic.Int32
	conns    atomic.Int32
	mu       sync.Mutex
	bodies   [][]byte // each request's body, as the server read it
}

// A step answers the n-th request, counting from 1.
type step func(w http.ResponseWriter, r *http.Request, n int)

func newServer(t *testing.T, steps ...step) *server {
	t.Helper()
	s := &server{steps: steps}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1))
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	s.steps[min(n, len(s.steps))-1](w, r, n)
}

// status answers with code and the body "<code> #<n>", and the header
// lines "Key: value" of kv.
func status(code int, kv ...string) step {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		for _, line := range kv {
			k, v, _ := strings.Cut(line, ": ")
			w.Header().Set(k, v)
		}
		w.WriteHeader(code)
		io.WriteString(w, bodyOf(code, n))
	}
}

func bodyOf(code, n int) string { return strconv.Itoa(code) + " #" + strconv.Itoa(n) }

// hijack answers with raw, as it is, and closes the connection.
func hijack(raw string) step {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		buf.WriteString(raw)
		buf.Flush()
		conn.Close()
	}
}

// stall answers nothing until the request's context ends.
func stall(w http.ResponseWriter, r *http.Request, n int) { <-r.Context().Done() }

// newTransport returns a Transport over an http.Transport of its own (see
// newTrackedTransport), with fast and then opts.
func newTransport(t *testing.T, opts ...retryhttp.Option) *retryhttp.Transport {
	t.Helper()
	return retryhttp.New(newTrackedTransport(t), append([]retryhttp.Option{fast}, opts...)...)
}

// newTrackedTransport returns an http.Transport that, when the test ends,
// closes its idle connections and fails the test if a connection is still
// open: a response body that nobody closed holds its connection.
func newTrackedTransport(t *testing.T) *http.Transport {
	t.Helper()
	var open atomic.Int32
	var dialer net.Dialer
	next := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			open.Add(1)
			return &trackedConn{Conn: c, open: &open}, nil
		},
	}
	t.Cleanup(func() {
		next.CloseIdleConnections()
		deadline := time.Now().Add(time.Second)
		for open.Load() > 0 {
			if time.Now().After(deadline) {
				t.Errorf("%d connections still open after the test: a response body was not closed", open.Load())
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	return next
}

// trackedConn is a client connection that counts itself out of open when
// it is closed.
type trackedConn struct {
	net.Conn
	open *atomic.Int32
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// do sends a request with method and body (none if "") to url through rt,
// and returns the response's status and body, read after RoundTrip
// returned, or its error. The request's context is not the test's, which
// ends before the cleanups and would close the connections of leaked
// bodies before newTransport can see them.
func do(t *testing.T, rt http.RoundTripper, method, url, body string) (int, string, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return send(rt, req)
}

func send(rt http.RoundTripper, req *http.Request) (int, string, error) {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// events flattens what rec recorded, with ports taken out.
func events(rec *observe.Recorder) []eventtest.Event {
	return eventtest.Flatten(rec.Events(), errText, portless)
}

// errText returns err's text with the loopback port replaced by PORT, so
// that expected events can be written down.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return portless(err.Error())
}

// portless replaces the port of 127.0.0.1:port in s with PORT.
func portless(s string) string {
	const host = "127.0.0.1:"
	var b strings.Builder
	for {
		i := strings.Index(s, host)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(host)])
		b.WriteString("PORT")
		s = s[i+len(host):]
		s = strings.TrimLeft(s, "0123456789")
	}
}

// roundTripFunc is a RoundTripper made of a function: a stub for tests
// that need no network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// response returns a response to r with code and body.
func response(r *http.Request, code int, body io.ReadCloser, kv ...string) *http.Response {
	h := http.Header{}
	for _, line := range kv {
		k, v, _ := strings.Cut(line, ": ")
		h.Set(k, v)
	}
	return &http.Response{StatusCode: code, Header: h, Body: body, ContentLength: -1, Request: r}
}

// trackedBody is a body that records whether it was closed, and how much
// of it was read.
type trackedBody struct {
	r      io.Reader
	read   atomic.Int64
	closed atomic.Bool
}

func newBody(s string) *trackedBody { return &trackedBody{r: strings.NewReader(s)} }

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}

func (b *trackedBody) Close() error {
	b.closed.Store(true)
	return nil
}

// blockingBody is a body whose reads block until ctx ends.
type blockingBody struct {
	ctx    context.Context
	closed atomic.Bool
}

func (b *blockingBody) Read([]byte) (int, error) {
	<-b.ctx.Done()
	return 0, context.Cause(b.ctx)
}

func (b *blockingBody) Close() error {
	b.closed.Store(true)
	return nil
}
