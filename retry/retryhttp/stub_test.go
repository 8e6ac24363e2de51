package retryhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// The tests of this file need no network: their RoundTrippers are stubs,
// and those that wait run in a synctest bubble, on its fake clock.

// stub is a RoundTripper that answers the n-th request, counting from 1,
// with answers[n-1], repeating the last, and keeps the requests.
type stub struct {
	mu       sync.Mutex
	answers  []func(r *http.Request) (*http.Response, error)
	requests []*http.Request
}

func (s *stub) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	n := len(s.requests)
	s.mu.Unlock()
	return s.answers[min(n, len(s.answers))-1](r)
}

func answer(code int, body string, kv ...string) func(r *http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		return response(r, code, io.NopCloser(strings.NewReader(body)), kv...), nil
	}
}

// successAt returns the Elapsed of the Success event among rec's, or -1.
func successAt(rec *observe.Recorder) time.Duration {
	for _, e := range rec.Events() {
		if s, ok := e.(observe.Success); ok {
			return s.Elapsed
		}
	}
	return -1
}

func TestServerHintIsWaited(t *testing.T) {
	date := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		header   []string
		wantWait time.Duration
	}{
		{"delay-seconds", []string{"Retry-After: 2"}, 2 * time.Second},
		{"a date, against the response's Date", []string{
			"Date: " + date.Format(http.TimeFormat),
			"Retry-After: " + date.Add(3*time.Second).Format(http.TimeFormat),
		}, 3 * time.Second},
		{"beyond MaxRetryAfter", []string{"Retry-After: 3600"}, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				next := &stub{answers: []func(*http.Request) (*http.Response, error){
					answer(429, "slow down", tt.header...),
					answer(200, "ok"),
				}}
				var rec observe.Recorder
				tr := retryhttp.New(next, retryhttp.Retry(
					retry.Backoff(backoff.Constant(0)),
					retry.MaxRetryAfter(10*time.Second),
					retry.Subscribe(&rec),
				))
				req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.com/", nil)
				if code, body, err := send(tr, req); code != 200 || body != "ok" || err != nil {
					t.Fatalf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, "ok")
				}
				if got := successAt(&rec); !honoured(got, tt.wantWait) {
					t.Errorf("success after %v; want %v, or up to a tenth more", got, tt.wantWait)
				}
			})
		})
	}
}

func TestStalledDiscardedBodyIsAbandoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stalled *blockingBody
		next := &stub{answers: []func(*http.Request) (*http.Response, error){
			func(r *http.Request) (*http.Response, error) {
				stalled = &blockingBody{ctx: r.Context()}
				return response(r, 503, stalled), nil
			},
			answer(200, "ok"),
		}}
		var rec observe.Recorder
		tr := retryhttp.New(next, fast, retryhttp.Retry(retry.Subscribe(&rec)))
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.com/", nil)
		if code, _, err := send(tr, req); code != 200 || err != nil {
			t.Fatalf("RoundTrip = %d, %v; want 200, nil", code, err)
		}
		if !stalled.closed.Load() {
			t.Error("the stalled body was not closed")
		}
		if got, want := successAt(&rec), 500*time.Millisecond; got != want {
			t.Errorf("success after %v; want %v, the drain's limit", got, want)
		}
	})
}

func TestAttemptTimeoutAsTheResponseComes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The first answer comes just after the attempt's time is up: it
		// is discarded, for its body would be cut off.
		var late *trackedBody
		next := &stub{answers: []func(*http.Request) (*http.Response, error){
			func(r *http.Request) (*http.Response, error) {
				<-r.Context().Done()
				late = newBody("late")
				return response(r, 200, late), nil
			},
			answer(200, "ok"),
		}}
		var rec observe.Recorder
		tr := retryhttp.New(next, fast, retryhttp.Retry(retry.AttemptTimeout(time.Second), retry.Subscribe(&rec)))
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.com/", nil)
		if code, body, err := send(tr, req); code != 200 || body != "ok" || err != nil {
			t.Fatalf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, "ok")
		}
		if !late.closed.Load() {
			t.Error("the late response's body was not closed")
		}
		want := []eventtest.Event{
			{Kind: "retry", Op: "GET example.com", Attempt: 1, Class: classify.Transient, Err: "GET example.com: context deadline exceeded"},
			{Kind: "success", Op: "GET example.com", Attempt: 2},
		}
		if diff := cmp.Diff(want, events(&rec)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

func TestResponseContextLifetime(t *testing.T) {
	next := &stub{answers: []func(*http.Request) (*http.Response, error){
		answer(503, "busy"),
		answer(200, "ok"),
	}}
	tr := retryhttp.New(next, fast)
	req, _ := http.NewRequest("GET", "http://example.com/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	discarded, returned := next.requests[0].Context(), next.requests[1].Context()
	if discarded.Err() == nil {
		t.Error("the discarded response's context is alive")
	}
	if returned.Err() != nil {
		t.Error("the returned response's context is done before its body is closed")
	}
	if resp.Request != req {
		t.Error("Response.Request is not the caller's request")
	}
	resp.Body.Close()
	if returned.Err() == nil {
		t.Error("the returned response's context is alive after its body is closed")
	}
}

// upgraded is the body of a 101 response: the connection, which can be
// written to.
type upgraded struct {
	io.Reader
	io.Writer
	closed bool
}

func (u *upgraded) Close() error { u.closed = true; return nil }

func TestUpgradeBodyStaysWritable(t *testing.T) {
	conn := &upgraded{Reader: strings.NewReader("hello"), Writer: io.Discard}
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return response(r, http.StatusSwitchingProtocols, conn), nil
	})
	resp, err := retryhttp.New(next).RoundTrip(httpRequest(t, "GET", "http://example.com/"))
	if err != nil {
		t.Fatal(err)
	}
	w, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		t.Fatalf("the body of a 101 is a %T, not an io.ReadWriteCloser", resp.Body)
	}
	if n, err := w.Write([]byte("hi")); n != 2 || err != nil {
		t.Errorf("Write = %d, %v; want 2, nil", n, err)
	}
	w.Close()
	if !conn.closed {
		t.Error("the connection was not closed")
	}
}

func TestResponsesWithoutBody(t *testing.T) {
	// A nil body breaks the RoundTripper contract, but is no reason to
	// panic; http.NoBody, as a HEAD's response has, stays http.NoBody.
	for _, body := range []io.ReadCloser{nil, http.NoBody} {
		next := &stub{answers: []func(*http.Request) (*http.Response, error){
			func(r *http.Request) (*http.Response, error) { return response(r, 503, body), nil },
			func(r *http.Request) (*http.Response, error) { return response(r, 204, body), nil },
		}}
		resp, err := retryhttp.New(next, fast).RoundTrip(httpRequest(t, "HEAD", "http://example.com/"))
		if err != nil || resp.StatusCode != 204 || resp.Body != body {
			t.Errorf("RoundTrip = %v, %v; want a 204 with body %v", resp, err, body)
		}
		if ctx := next.requests[1].Context(); ctx.Err() == nil {
			t.Errorf("the context of a response without body (%v) is alive", body)
		}
	}
}

func TestNilResponseWithoutError(t *testing.T) {
	next := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	_, err := retryhttp.New(next, fast, retryhttp.Retry(retry.MaxAttempts(2))).RoundTrip(httpRequest(t, "GET", "http://example.com/"))
	const want = "retry: max attempts reached after 2 attempts: GET example.com: retryhttp: retryhttp_test.roundTripFunc returned a nil response and a nil error"
	if err == nil || err.Error() != want {
		t.Errorf("RoundTrip error = %v; want %q", err, want)
	}
}

func TestRequestWithoutURL(t *testing.T) {
	body := newBody("x")
	_, err := retryhttp.New(nil).RoundTrip(&http.Request{Method: "PUT", Body: body})
	if err == nil || !body.closed.Load() {
		t.Errorf("RoundTrip error = %v, body closed %v; want an error, true", err, body.closed.Load())
	}
}

func TestPanicInNextClosesTheKeptResponse(t *testing.T) {
	body := newBody("busy")
	next := &stub{answers: []func(*http.Request) (*http.Response, error){
		func(r *http.Request) (*http.Response, error) { return response(r, 503, body), nil },
	}}
	errBoom := errors.New("boom")
	// The subscriber panics at the Retry event, before the Transport can
	// discard the response.
	tr := retryhttp.New(next, fast, retryhttp.Retry(retry.Subscribe(observe.Func(func(observe.Retry) { panic(errBoom) }))))
	func() {
		defer func() {
			if p := recover(); p != errBoom {
				t.Errorf("RoundTrip panicked with %v; want %v", p, errBoom)
			}
		}()
		tr.RoundTrip(httpRequest(t, "GET", "http://example.com/"))
	}()
	if !body.closed.Load() {
		t.Error("the response kept for the caller was not closed after the panic")
	}
}

// closer is a RoundTripper with a CloseIdleConnections method.
type closer struct {
	roundTripFunc
	closed int
}

func (c *closer) CloseIdleConnections() { c.closed++ }

func TestCloseIdleConnections(t *testing.T) {
	next := &closer{}
	client := &http.Client{Transport: retryhttp.New(next)}
	client.CloseIdleConnections()
	if next.closed != 1 {
		t.Errorf("CloseIdleConnections reached the wrapped RoundTripper %d times; want 1", next.closed)
	}
	retryhttp.New(roundTripFunc(nil)).CloseIdleConnections() // has none: nothing happens
}

func TestConcurrentRequests(t *testing.T) {
	var rec observe.Recorder
	// Each request's first attempt fails and its second succeeds, however
	// the requests interleave: the body tells them apart.
	attempts := map[string]int{}
	var mu sync.Mutex
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		payload, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		attempts[string(payload)]++
		first := attempts[string(payload)] == 1
		mu.Unlock()
		if first {
			return response(r, 503, newBody("busy")), nil
		}
		return response(r, 200, newBody("ok")), nil
	})
	tr := retryhttp.New(next, fast, retryhttp.BudgetPerHost(1, 1000), retryhttp.Retry(retry.Subscribe(&rec), retry.MaxAttempts(10)))
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			host := []string{"a.example", "b.example", "c.example"}[i%3]
			req, _ := http.NewRequest("PUT", "http://"+host+"/", strings.NewReader("payload "+strconv.Itoa(i)))
			if code, body, err := send(tr, req); code != 200 || body != "ok" || err != nil {
				t.Errorf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, "ok")
			}
		})
	}
	wg.Wait()
	if n := rec.Count(observe.KindSuccess); n != 50 {
		t.Errorf("%d successes; want 50", n)
	}
	if n := rec.Count(observe.KindRetry); n != 50 {
		t.Errorf("%d retries; want 50, one per request", n)
	}
}

func TestZeroTransport(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(200))
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)
	var tr retryhttp.Transport
	if code, body, err := do(t, &tr, "GET", srv.URL, ""); code != 200 || body != "200 #1" || err != nil {
		t.Errorf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, "200 #1")
	}
}

func TestNewClient(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(503), status(200))
	client := retryhttp.NewClient(fast)
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "200 #2" {
		t.Errorf("Get = %d %q; want 200 %q", resp.StatusCode, body, "200 #2")
	}
}

func TestStatusErrorText(t *testing.T) {
	tests := []struct {
		err  *retryhttp.StatusError
		want string
	}{
		{&retryhttp.StatusError{Method: "GET", Host: "example.com", Code: 503}, "GET example.com: 503 Service Unavailable"},
		{&retryhttp.StatusError{Method: "PUT", Host: "example.com:8080", Code: 429, Hint: 2 * time.Second}, "PUT example.com:8080: 429 Too Many Requests (retry after 2s)"},
		{&retryhttp.StatusError{Method: "GET", Host: "example.com", Code: 599}, "GET example.com: 599"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q; want %q", got, tt.want)
		}
		if tt.err.StatusCode() != tt.err.Code || tt.err.RetryAfter() != tt.err.Hint {
			t.Errorf("StatusCode(), RetryAfter() = %d, %v; want %d, %v", tt.err.StatusCode(), tt.err.RetryAfter(), tt.err.Code, tt.err.Hint)
		}
	}
}

func TestRedact(t *testing.T) {
	plain := errors.New("plain")
	tests := []struct {
		err  error
		want string
	}{
		{plain, "plain"},
		{&url.Error{Op: "Get", URL: "https://bob:***@example.com:8443/a/b?token=x#f", Err: plain}, `Get "https://example.com:8443/a/b": plain`},
		{&url.Error{Op: "Post", URL: "http://example.com", Err: plain}, `Post "http://example.com": plain`},
		{&url.Error{Op: "Get", URL: "mailto:bob@example.com?subject=x", Err: plain}, `Get "mailto:": plain`},
		{&url.Error{Op: "Get", URL: "http://[::1%zz", Err: plain}, `Get "[unparsable URL]": plain`},
		{fmt.Errorf("load: %w", &url.Error{Op: "Get", URL: "https://bob:***@example.com/a?token=x#f", Err: plain}), `load: Get "https://example.com/a": plain`},
		{&url.Error{Op: "Get", URL: "https://example.com/a?token=secret", Err: fmt.Errorf("via /a?token=secret, query token=secret: %w", plain)}, `Get "https://example.com/a": via /a, query [redacted]: plain`},
		{fmt.Errorf("GET https://bob:pw@[::1]:8443/a?b=c#d, then http://x.example/y?z.: %w", plain), "GET https://[::1]:8443/a, then http://x.example/y.: plain"},
		{fmt.Errorf("no scheme ://x?y, odd 1http://h/?q: %w", plain), "no scheme ://x?y, odd 1http://h/: plain"},
	}
	for _, tt := range tests {
		got := retryhttp.Redact(tt.err)
		if got.Error() != tt.want || !errors.Is(got, plain) {
			t.Errorf("Redact(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
	if retryhttp.Redact(nil) != nil {
		t.Error("Redact(nil) is not nil")
	}
}

func httpRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestEmptyMethodIsGET(t *testing.T) {
	var rec observe.Recorder
	next := &stub{answers: []func(*http.Request) (*http.Response, error){answer(200, "ok")}}
	req := httpRequest(t, "GET", "http://example.com/")
	req.Method = ""
	if _, _, err := send(retryhttp.New(next, retryhttp.Retry(retry.Subscribe(&rec))), req); err != nil {
		t.Fatal(err)
	}
	want := []eventtest.Event{{Kind: "success", Op: "GET example.com", Attempt: 1}}
	if diff := cmp.Diff(want, events(&rec)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestContextEndsAsAFailingResponseComes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	body := newBody("busy")
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		cancel()
		return response(r, 503, body), nil
	})
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.com/", nil)
	resp, err := retryhttp.New(next, fast).RoundTrip(req)
	if resp != nil || !errors.Is(err, retry.ErrCancelled) {
		t.Errorf("RoundTrip = %v, %v; want nil, ErrCancelled", resp, err)
	}
	if !body.closed.Load() {
		t.Error("the response was not closed")
	}
}

func TestPanicInNextReleasesTheAttemptsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var attemptCtx context.Context
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		attemptCtx = r.Context()
		panic("boom")
	})
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://example.com/", nil)
	func() {
		defer func() { recover() }()
		retryhttp.New(next).RoundTrip(req)
	}()
	if attemptCtx.Err() == nil {
		t.Error("the attempt's context outlives the panic")
	}
}

func TestDoServerHintIsWaited(t *testing.T) {
	// Do honours a server's hint as a Transport does, also when decode
	// fails on the response that carries it.
	for _, decodeFails := range []bool{false, true} {
		t.Run("decode fails: "+strconv.FormatBool(decodeFails), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				next := &stub{answers: []func(*http.Request) (*http.Response, error){
					answer(503, "down", "Retry-After: 2"),
					answer(200, "ok"),
				}}
				var rec observe.Recorder
				decode := func(resp *http.Response) (string, error) {
					b, err := io.ReadAll(resp.Body)
					if decodeFails && resp.StatusCode != 200 {
						return "", errors.New("not json")
					}
					return string(b), err
				}
				req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://example.com/", nil)
				got, err := retryhttp.Do(&http.Client{Transport: next}, req, decode,
					retry.Backoff(backoff.Constant(0)), retry.Subscribe(&rec))
				if got != "ok" || err != nil {
					t.Fatalf("Do = %q, %v; want %q, nil", got, err, "ok")
				}
				if got := successAt(&rec); !honoured(got, 2*time.Second) {
					t.Errorf("success after %v; want 2s, or up to a tenth more", got)
				}
			})
		})
	}
}
