package retryhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// cutProxy is a TCP proxy on loopback in front of a server that, on the
// connections it cuts, passes the server's response headers and the first
// half of its body, then closes both sides: a connection sliced in the
// middle of a body. It passes the others whole.
type cutProxy struct {
	ln     net.Listener
	target string
	cut    func(n int) bool // whether to cut the n-th connection, from 1
	conns  atomic.Int32
	wg     sync.WaitGroup
	mu     sync.Mutex
	open   []net.Conn
	closed bool
}

// newCutProxy returns a cutProxy that cuts the first cuts connections,
// or all of them if cuts is negative.
func newCutProxy(t *testing.T, target string, cuts int) *cutProxy {
	t.Helper()
	return newCutProxyFunc(t, target, func(n int) bool { return cuts < 0 || n <= cuts })
}

// newCutProxyFunc returns a cutProxy that cuts the n-th connection if
// cut(n).
func newCutProxyFunc(t *testing.T, target string, cut func(n int) bool) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: strings.TrimPrefix(target, "http://"), cut: cut}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		if !p.track(client, server) {
			return
		}
		cut := p.cut(int(p.conns.Add(1)))
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			io.Copy(server, client)
			server.Close()
		}()
		go func() {
			defer p.wg.Done()
			if cut {
				halfResponse(client, server)
			} else {
				io.Copy(client, server)
			}
			client.Close()
			server.Close()
		}()
	}
}

// track keeps the connections, to be closed with the proxy; it reports
// false, closing them, if the proxy is closed already.
func (p *cutProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	p.open = append(p.open, conns...)
	return true
}

// halfResponse copies from server to client the headers of a response
// with a Content-Length and half its body.
func halfResponse(client, server net.Conn) {
	var buf []byte
	tmp := make([]byte, 4096)
	for {
		n, err := server.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			length := contentLength(buf[:i])
			if end := i + 4 + length/2; len(buf) >= end {
				client.Write(buf[:end])
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func contentLength(header []byte) int {
	for _, line := range strings.Split(string(header), "\r\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, "Content-Length") {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func (p *cutProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.ln.Close()
	for _, c := range p.open {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// user is what the tests' servers send, as JSON.
type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Bio  string `json:"bio"`
}

var ada = user{ID: 42, Name: "Ada", Bio: strings.Repeat("analytical engine ", 40)}

// jsonUser answers with ada as JSON, with a Content-Length.
func jsonUser(code int) step {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := json.Marshal(ada)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(code)
		w.Write(b)
	}
}

// decodeUser decodes a user, and fails on a status that is not 200.
func decodeUser(resp *http.Response) (user, error) {
	var u user
	if resp.StatusCode != http.StatusOK {
		return u, fmt.Errorf("status %d", resp.StatusCode)
	}
	err := json.NewDecoder(resp.Body).Decode(&u)
	return u, err
}

// newClient returns an http.Client over a tracked http.Transport (see
// newTrackedTransport).
func newClient(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{Transport: newTrackedTransport(t)}
}

func TestDoRetriesABodyCutHalfway(t *testing.T) {
	for _, cuts := range []int{1, 3} {
		t.Run(strconv.Itoa(cuts)+" cuts", func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, jsonUser(200))
			proxy := newCutProxy(t, srv.URL, cuts)
			var rec observe.Recorder
			req, _ := http.NewRequest("GET", proxy.URL()+"/users/42", nil)
			got, err := retryhttp.Do(newClient(t), req, decodeUser, retry.Subscribe(&rec), retry.MaxAttempts(cuts+1), fastRetry)
			if err != nil || got != ada {
				t.Fatalf("Do = %+v, %v; want ada, nil", got, err)
			}
			if n := srv.requests.Load(); n != int32(cuts+1) {
				t.Errorf("%d requests; want %d", n, cuts+1)
			}
			var want []eventtest.Event
			for i := 1; i <= cuts; i++ {
				want = append(want, eventtest.Event{Kind: "retry", Op: op, Attempt: i, Class: classify.Transient, Err: op + ": unexpected EOF"})
			}
			want = append(want, eventtest.Event{Kind: "success", Op: op, Attempt: cuts + 1})
			if diff := cmp.Diff(want, events(&rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// fastRetry is fast for Do, as fast is for a Transport.
var fastRetry = retry.Options(retry.Backoff(backoff.Constant(0)), retry.MaxRetryAfter(time.Millisecond))

func TestDoGivesUpOnABodyAlwaysCut(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, jsonUser(200))
	proxy := newCutProxy(t, srv.URL, -1)
	req, _ := http.NewRequest("GET", proxy.URL()+"/users/42", nil)
	got, err := retryhttp.Do(newClient(t), req, decodeUser, retry.MaxAttempts(3), fastRetry)
	if got != (user{}) {
		t.Errorf("Do value = %+v; want the zero value", got)
	}
	re, ok := errors.AsType[*retry.Error](err)
	if !ok || !errors.Is(err, retry.ErrMaxAttempts) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Do error = %v; want a *retry.Error of ErrMaxAttempts with io.ErrUnexpectedEOF", err)
	}
	if !errors.Is(re.Last, io.ErrUnexpectedEOF) || re.Class != classify.Transient || re.Attempts != 3 {
		t.Errorf("last error %v of class %v after %d attempts; want io.ErrUnexpectedEOF, Transient, 3", re.Last, re.Class, re.Attempts)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d requests; want 3", n)
	}
}

func TestDoReadErrorLostByDecode(t *testing.T) {
	checkLeaks(t)
	// A decode that drops the read error from its own (with %v) still
	// leaves it reachable, and classified by it.
	srv := newServer(t, jsonUser(200))
	proxy := newCutProxy(t, srv.URL, -1)
	decode := func(resp *http.Response) (user, error) {
		u, err := decodeUser(resp)
		if err != nil {
			return u, fmt.Errorf("decoding the user: %v", err)
		}
		return u, nil
	}
	req, _ := http.NewRequest("GET", proxy.URL()+"/users/42", nil)
	_, err := retryhttp.Do(newClient(t), req, decode, retry.MaxAttempts(2), fastRetry)
	re, ok := errors.AsType[*retry.Error](err)
	if !ok || !errors.Is(err, io.ErrUnexpectedEOF) || re.Class != classify.Transient || re.Attempts != 2 {
		t.Fatalf("Do error = %v; want io.ErrUnexpectedEOF in a *retry.Error, Transient after 2 attempts", err)
	}
	if want := op + ": decoding the user: unexpected EOF"; errText(re.Last) != want {
		t.Errorf("last error = %q; want %q", errText(re.Last), want)
	}
}

func TestDoIdempotency(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		key       bool
		noGetBody bool
		wantReqs  int32
		wantWhy   error // why it was sent once
	}{
		{"POST is sent once", "POST", false, false, 1, retryhttp.ErrNotIdempotent},
		{"POST with an Idempotency-Key is retried", "POST", true, false, 2, nil},
		{"PUT is retried", "PUT", false, false, 2, nil},
		{"PUT without GetBody is sent once", "PUT", false, true, 1, retryhttp.ErrBodyNotReplayable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, jsonUser(200))
			proxy := newCutProxy(t, srv.URL, 1)
			req, _ := http.NewRequest(tt.method, proxy.URL()+"/users", strings.NewReader(`{"name":"Ada"}`))
			if tt.key {
				req.Header.Set("Idempotency-Key", "k1")
			}
			if tt.noGetBody {
				req.GetBody = nil
			}
			got, err := retryhttp.Do(newClient(t), req, decodeUser, fastRetry)
			if n := srv.requests.Load(); n != tt.wantReqs {
				t.Errorf("%d requests; want %d", n, tt.wantReqs)
			}
			if tt.wantReqs == 1 {
				if !errors.Is(err, tt.wantWhy) || !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, retry.ErrPermanent) {
					t.Errorf("Do error = %v; want %v, ErrPermanent and io.ErrUnexpectedEOF", err, tt.wantWhy)
				}
				return
			}
			if err != nil || got != ada {
				t.Errorf("Do = %+v, %v; want ada, nil", got, err)
			}
			for i, b := range srv.bodies {
				if string(b) != `{"name":"Ada"}` {
					t.Errorf("request %d had body %q; want the whole body", i+1, b)
				}
			}
		})
	}
}

func TestDoStatuses(t *testing.T) {
	// decodeAny sees every response and says what it saw.
	type seen struct {
		Code int
		Body string
	}
	tests := []struct {
		name      string
		steps     []step
		wantCodes []int
		wantErr   error          // nil: success
		wantClass classify.Class // of the last error
	}{
		{"5xx is retried", []step{status(503), status(200)}, []int{503, 200}, nil, 0},
		{"429 is retried", []step{status(429, "Retry-After: 0"), status(200)}, []int{429, 200}, nil, 0},
		{"404 is permanent", []step{status(404), status(200)}, []int{404}, retry.ErrPermanent, classify.Permanent},
		{"5xx to the end", []step{status(502)}, []int{502, 502, 502}, retry.ErrMaxAttempts, classify.ServerError},
		{"3xx is decode's", []step{status(304)}, []int{304}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, tt.steps...)
			var codes []int
			decodeErr := errors.New("not a user")
			decode := func(resp *http.Response) (seen, error) {
				codes = append(codes, resp.StatusCode)
				b, err := io.ReadAll(resp.Body)
				if resp.StatusCode >= 400 {
					return seen{}, decodeErr // the status decides the class
				}
				return seen{resp.StatusCode, string(b)}, err
			}
			req, _ := http.NewRequest("GET", srv.URL, nil)
			got, err := retryhttp.Do(newClient(t), req, decode, retry.MaxAttempts(3), fastRetry)
			if diff := cmp.Diff(tt.wantCodes, codes); diff != "" {
				t.Errorf("statuses decode saw (-want +got):\n%s", diff)
			}
			if tt.wantErr == nil {
				last := tt.wantCodes[len(tt.wantCodes)-1]
				want := seen{last, bodyOf(last, len(tt.wantCodes))}
				if last == 304 {
					want.Body = ""
				}
				if err != nil || got != want {
					t.Errorf("Do = %+v, %v; want %+v, nil", got, err, want)
				}
				return
			}
			re, ok := errors.AsType[*retry.Error](err)
			se, isStatus := errors.AsType[*retryhttp.StatusError](err)
			if !ok || !errors.Is(err, tt.wantErr) || re.Class != tt.wantClass || !isStatus || !errors.Is(err, decodeErr) {
				t.Fatalf("Do error = %v; want %v of class %v, with a *StatusError and decode's error", err, tt.wantErr, tt.wantClass)
			}
			if se.Code != tt.wantCodes[0] {
				t.Errorf("StatusError code = %d; want %d", se.Code, tt.wantCodes[0])
			}
		})
	}
}

func TestDoMarkedDecodeErrorBeatsTheStatus(t *testing.T) {
	checkLeaks(t)
	// The API says in its error body that this 503 is final.
	srv := newServer(t, status(503), status(200))
	decode := func(resp *http.Response) (string, error) {
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode == 503 {
			return "", classify.MarkPermanent(fmt.Errorf("api: %s", b))
		}
		return string(b), err
	}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	_, err := retryhttp.Do(newClient(t), req, decode, fastRetry)
	if !errors.Is(err, retry.ErrPermanent) || srv.requests.Load() != 1 {
		t.Errorf("Do error = %v after %d requests; want ErrPermanent after 1", err, srv.requests.Load())
	}
}

func TestDoThroughATransport(t *testing.T) {
	// A client whose Transport is a retryhttp.Transport: Do's loop is the
	// only one that retries, with the Transport's options, and Do's own
	// on top of them.
	t.Run("the Transport's options", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, status(503))
		var rec observe.Recorder
		client := &http.Client{Transport: newTransport(t, retryhttp.Retry(retry.MaxAttempts(3), retry.Subscribe(&rec)))}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		_, err := retryhttp.Do(client, req, decodeUser)
		if !errors.Is(err, retry.ErrMaxAttempts) || srv.requests.Load() != 3 {
			t.Errorf("Do error = %v after %d requests; want ErrMaxAttempts after 3", err, srv.requests.Load())
		}
		if n := len(rec.Events()); n != 3 {
			t.Errorf("%d events; want 3 (2 retries and the end)", n)
		}
	})
	t.Run("Do's options on top", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, jsonUser(200))
		proxy := newCutProxy(t, srv.URL, -1)
		client := &http.Client{Transport: newTransport(t, retryhttp.Retry(retry.MaxAttempts(3)))}
		req, _ := http.NewRequest("GET", proxy.URL(), nil)
		_, err := retryhttp.Do(client, req, decodeUser, retry.MaxAttempts(2))
		if !errors.Is(err, io.ErrUnexpectedEOF) || srv.requests.Load() != 2 {
			t.Errorf("Do error = %v after %d requests; want io.ErrUnexpectedEOF after 2", err, srv.requests.Load())
		}
	})
	t.Run("the Transport's idempotency rule", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, status(503), jsonUser(200))
		every := retryhttp.Idempotent(func(*http.Request) bool { return true })
		client := &http.Client{Transport: newTransport(t, every)}
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("x"))
		got, err := retryhttp.Do(client, req, decodeUser)
		if err != nil || got != ada || srv.requests.Load() != 2 {
			t.Errorf("Do = %v, %v after %d requests; want ada, nil after 2", got, err, srv.requests.Load())
		}
	})
	t.Run("a Transport wrapped in another RoundTripper", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, status(503))
		tr := newTransport(t, retryhttp.Retry(retry.MaxAttempts(5)))
		client := &http.Client{Transport: roundTripFunc(tr.RoundTrip)}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		_, err := retryhttp.Do(client, req, decodeUser, retry.MaxAttempts(2), fastRetry)
		if !errors.Is(err, retry.ErrMaxAttempts) || srv.requests.Load() != 2 {
			t.Errorf("Do error = %v after %d requests; want ErrMaxAttempts after 2, not 2×5", err, srv.requests.Load())
		}
	})
	t.Run("the Transport's invalid options", func(t *testing.T) {
		client := &http.Client{Transport: retryhttp.New(nil, retryhttp.Budget(nil))}
		body := newBody("x")
		req, _ := http.NewRequest("PUT", "http://127.0.0.1:1/", body)
		_, err := retryhttp.Do(client, req, decodeUser)
		if !errors.Is(err, retry.ErrInvalidOption) || !body.closed.Load() {
			t.Errorf("Do error = %v, body closed %v; want ErrInvalidOption, true", err, body.closed.Load())
		}
	})
}

func TestDoInvalidArguments(t *testing.T) {
	body := newBody("x")
	req, _ := http.NewRequest("PUT", "http://127.0.0.1:1/", body)
	if _, err := retryhttp.Do[user](nil, req, nil); !errors.Is(err, retry.ErrInvalidOption) || err.Error() != "retryhttp: Do: decode is nil" {
		t.Errorf("Do(decode nil) = %v; want %q", err, "retryhttp: Do: decode is nil")
	}
	if !body.closed.Load() {
		t.Error("Do(decode nil) did not close the request's body")
	}
	if _, err := retryhttp.Do(nil, nil, decodeUser); !errors.Is(err, retry.ErrInvalidOption) || err.Error() != "retryhttp: Do: request is nil" {
		t.Errorf("Do(request nil) = %v; want %q", err, "retryhttp: Do: request is nil")
	}
	req, _ = http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	if _, err := retryhttp.Do(nil, req, decodeUser, nil); !errors.Is(err, retry.ErrInvalidOption) {
		t.Errorf("Do(nil option) = %v; want ErrInvalidOption", err)
	}
}

func TestDoClosesTheBody(t *testing.T) {
	checkLeaks(t)
	// decode reads nothing, or panics: the body is closed all the same,
	// and newTransport's check finds no connection left open.
	srv := newServer(t, jsonUser(200))
	client := newClient(t)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	if _, err := retryhttp.Do(client, req, func(*http.Response) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recover() = %v; want boom", r)
			}
		}()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		retryhttp.Do(client, req, func(*http.Response) (int, error) { panic("boom") })
	}()
}

func TestDoContext(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, stall)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := newBody("x")
	req, _ := http.NewRequestWithContext(ctx, "PUT", srv.URL, body)
	_, err := retryhttp.Do(newClient(t), req, decodeUser)
	if !errors.Is(err, retry.ErrCancelled) || !body.closed.Load() || srv.requests.Load() != 0 {
		t.Errorf("Do error = %v, body closed %v, %d requests; want ErrCancelled, true, 0", err, body.closed.Load(), srv.requests.Load())
	}
}

func TestDoRedaction(t *testing.T) {
	for _, tc := range redactionCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			base, next, opts := tc.setup(t)
			var rec observe.Recorder
			ctx := context.Background()
			if tc.ctx != nil {
				ctx = tc.ctx(t)
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", withSecrets(base), nil)
			decode := func(resp *http.Response) (string, error) {
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					// A decode that names the URL in its error.
					return "", fmt.Errorf("reading %s: %w", resp.Request.URL, err)
				}
				return string(b), nil
			}
			_, err := retryhttp.Do(&http.Client{Transport: next}, req, decode, append(opts, retry.Subscribe(&rec), fastRetry)...)
			if err == nil {
				t.Fatal("Do succeeded; want an error")
			}
			checkErrClean(t, "Do error", err)
			checkEventsClean(t, &rec)
			if tc.check != nil {
				tc.check(t, err)
			}
			if _, ok := errors.AsType[*url.Error](err); ok {
				ue, _ := errors.AsType[*url.Error](err)
				checkErrClean(t, "*url.Error of Do's error", ue)
			}
		})
	}
}

func TestSlicedConnections(t *testing.T) {
	checkLeaks(t)
	// One connection per request, and the proxy cuts every fourth in the
	// middle of the body. A Transport cannot retry a body once RoundTrip
	// has returned; Do can.
	const requests = 200
	srv := newServer(t, jsonUser(200))
	proxy := newCutProxyFunc(t, srv.URL, func(n int) bool { return n%4 == 0 })
	next := newTrackedTransport(t)
	next.DisableKeepAlives = true
	client := &http.Client{Transport: retryhttp.New(next, fast, retryhttp.NoBudget())}

	var transportFailed, doFailed int
	for range requests {
		req, _ := http.NewRequest("GET", proxy.URL()+"/users/42", nil)
		resp, err := client.Do(req)
		if err == nil {
			_, err = decodeUser(resp)
			resp.Body.Close()
		}
		if err != nil {
			transportFailed++
		}
	}
	before := srv.requests.Load()
	for range requests {
		req, _ := http.NewRequest("GET", proxy.URL()+"/users/42", nil)
		if _, err := retryhttp.Do(client, req, decodeUser); err != nil {
			doFailed++
		}
	}
	t.Logf("%d requests each: client.Do and decode failed %d times; Do failed %d times, with %d attempts",
		requests, transportFailed, doFailed, srv.requests.Load()-before)
	if doFailed != 0 || transportFailed != requests/4 {
		t.Errorf("client.Do and decode failed %d times, Do %d; want %d and 0", transportFailed, doFailed, requests/4)
	}
}
