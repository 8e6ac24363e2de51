package retryhttp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

const op = "GET 127.0.0.1:PORT" // the default name of the tests' GETs

func TestStatuses(t *testing.T) {
	retryEv := func(attempt int, class classify.Class, code string) eventtest.Event {
		return eventtest.Event{Kind: "retry", Op: op, Attempt: attempt, Class: class, Err: op + ": " + code}
	}
	tests := []struct {
		name       string
		steps      []step
		opts       []retry.Option
		wantStatus int
		wantBody   string
		wantEvents []eventtest.Event
	}{{
		name:       "success at once",
		steps:      []step{status(200)},
		wantStatus: 200, wantBody: "200 #1",
		wantEvents: []eventtest.Event{{Kind: "success", Op: op, Attempt: 1}},
	}, {
		name:       "503 burst, then success",
		steps:      []step{status(503), status(503), status(503), status(200)},
		wantStatus: 200, wantBody: "200 #4",
		wantEvents: []eventtest.Event{
			retryEv(1, classify.ServerError, "503 Service Unavailable"),
			retryEv(2, classify.ServerError, "503 Service Unavailable"),
			retryEv(3, classify.ServerError, "503 Service Unavailable"),
			{Kind: "success", Op: op, Attempt: 4},
		},
	}, {
		name:       "every retryable class",
		steps:      []step{status(408), status(409), status(429), status(500), status(502), status(504), status(200)},
		opts:       []retry.Option{retry.MaxAttempts(10)},
		wantStatus: 200, wantBody: "200 #7",
		wantEvents: []eventtest.Event{
			retryEv(1, classify.Transient, "408 Request Timeout"),
			retryEv(2, classify.Concurrency, "409 Conflict"),
			retryEv(3, classify.RateLimit, "429 Too Many Requests"),
			retryEv(4, classify.ServerError, "500 Internal Server Error"),
			retryEv(5, classify.ServerError, "502 Bad Gateway"),
			retryEv(6, classify.ServerError, "504 Gateway Timeout"),
			{Kind: "success", Op: op, Attempt: 7},
		},
	}, {
		name:       "404 is returned at once",
		steps:      []step{status(404)},
		wantStatus: 404, wantBody: "404 #1",
		wantEvents: []eventtest.Event{{Kind: "permanent_failure", Op: op, Attempt: 1, Class: classify.Permanent, Err: op + ": 404 Not Found"}},
	}, {
		name:       "400 is returned at once",
		steps:      []step{status(400)},
		wantStatus: 400, wantBody: "400 #1",
		wantEvents: []eventtest.Event{{Kind: "permanent_failure", Op: op, Attempt: 1, Class: classify.Permanent, Err: op + ": 400 Bad Request"}},
	}, {
		name:       "redirects and other statuses below 400 are successes",
		steps:      []step{status(304)},
		wantStatus: 304, wantBody: "",
		wantEvents: []eventtest.Event{{Kind: "success", Op: op, Attempt: 1}},
	}, {
		name:       "the last response comes back readable when attempts run out",
		steps:      []step{status(503)},
		opts:       []retry.Option{retry.MaxAttempts(3)},
		wantStatus: 503, wantBody: "503 #3",
		wantEvents: []eventtest.Event{
			retryEv(1, classify.ServerError, "503 Service Unavailable"),
			retryEv(2, classify.ServerError, "503 Service Unavailable"),
			{Kind: "max_attempts_exceeded", Op: op, Attempt: 3, Class: classify.ServerError, Err: op + ": 503 Service Unavailable"},
		},
	}, {
		name:  "a classifier of the user's decides",
		steps: []step{status(404), status(200)},
		opts: []retry.Option{retry.Classifier(classify.Chain(
			classify.Match(func(e *retryhttp.StatusError) classify.Class {
				if e.Code == 404 {
					return classify.Transient // a replica that lags
				}
				return classify.Unknown
			}),
			classify.Default(),
		))},
		wantStatus: 200, wantBody: "200 #2",
		wantEvents: []eventtest.Event{retryEv(1, classify.Transient, "404 Not Found"), {Kind: "success", Op: op, Attempt: 2}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, tt.steps...)
			var rec observe.Recorder
			tr := newTransport(t, retryhttp.Retry(append(tt.opts, retry.Subscribe(&rec))...))
			code, body, err := do(t, tr, "GET", srv.URL+"/items/1?q=1", "")
			if err != nil || code != tt.wantStatus || body != tt.wantBody {
				t.Errorf("RoundTrip = %d %q, %v; want %d %q, nil", code, body, err, tt.wantStatus, tt.wantBody)
			}
			if diff := cmp.Diff(tt.wantEvents, events(&rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	const maxWait = 2 * time.Millisecond // retry.MaxRetryAfter
	tests := []struct {
		name       string
		code       int
		retryAfter func() string
		wantHint   [2]float64 // the hint's range, in seconds
		wantDelay  time.Duration
	}{
		{"429 seconds", 429, func() string { return "1" }, [2]float64{1, 1}, maxWait},
		{"503 seconds", 503, func() string { return "120" }, [2]float64{120, 120}, maxWait},
		{"zero seconds", 429, func() string { return "0" }, [2]float64{0, 0}, 0},
		{"a date", 429, func() string { return timeIn(30) }, [2]float64{29, 30}, maxWait},
		{"a date in the past", 503, func() string { return timeIn(-30) }, [2]float64{0, 0}, 0},
		{"garbage", 429, func() string { return "soon" }, [2]float64{0, 0}, 0},
		{"negative", 429, func() string { return "-1" }, [2]float64{0, 0}, 0},
		{"overflowing seconds", 503, func() string { return "9223372037" }, [2]float64{9223372036.854775807, 9223372036.854775807}, maxWait},
		{"huge seconds", 429, func() string { return "99999999999999999999999" }, [2]float64{9223372036.854775807, 9223372036.854775807}, maxWait},
		{"ignored on a 500", 500, func() string { return "1" }, [2]float64{0, 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				status(tt.code, "Retry-After: "+tt.retryAfter())(w, r, n)
			}, status(200))
			var retries []observe.Retry
			tr := newTransport(t, retryhttp.Retry(
				retry.MaxRetryAfter(maxWait),
				retry.Subscribe(observe.Func(func(e observe.Retry) { retries = append(retries, e) })),
			))
			if code, _, err := do(t, tr, "GET", srv.URL, ""); code != 200 || err != nil {
				t.Fatalf("RoundTrip = %d, %v; want 200, nil", code, err)
			}
			if len(retries) != 1 {
				t.Fatalf("%d Retry events; want 1", len(retries))
			}
			e := retries[0]
			se, ok := errors.AsType[*retryhttp.StatusError](e.Err)
			if !ok {
				t.Fatalf("Retry.Err = %T %v; want a *StatusError", e.Err, e.Err)
			}
			if h := se.Hint.Seconds(); h < tt.wantHint[0] || h > tt.wantHint[1] {
				t.Errorf("Hint = %v; want within [%vs, %vs]", se.Hint, tt.wantHint[0], tt.wantHint[1])
			}
			if !honoured(e.Delay, tt.wantDelay) {
				t.Errorf("Retry.Delay = %v; want %v, or up to a tenth more", e.Delay, tt.wantDelay)
			}
		})
	}
}

// honoured reports whether the loop's wait d honours the capped hint
// want: package retry may spread a hint's wait over up to a tenth more, so
// that clients told the same do not return at the same instant.
func honoured(d, want time.Duration) bool {
	return d >= want && d <= want+want/10
}

// timeIn returns the HTTP-date of now plus secs seconds.
func timeIn(secs int) string {
	return time.Now().Add(time.Duration(secs) * time.Second).UTC().Format(http.TimeFormat)
}

const maxDuration = time.Duration(math.MaxInt64)

func TestRetryAfterBeyondDeadlineReturnsTheResponse(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(429, "Retry-After: 60"))
	var rec observe.Recorder
	tr := newTransport(t, retryhttp.Retry(retry.MaxRetryAfter(maxDuration), retry.Deadline(30*time.Second), retry.Subscribe(&rec)))
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 429 || string(body) != "429 #1" || resp.Header.Get("Retry-After") != "60" {
		t.Errorf("RoundTrip = %d %q, Retry-After %q; want 429 %q, 60", resp.StatusCode, body, resp.Header.Get("Retry-After"), "429 #1")
	}
	want := []eventtest.Event{{Kind: "deadline_exceeded", Op: op, Attempt: 1, Class: classify.RateLimit, Err: op + ": 429 Too Many Requests (retry after 1m0s)"}}
	if diff := cmp.Diff(want, events(&rec)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestDroppedConnections(t *testing.T) {
	tests := []struct {
		name      string
		drop      string // what the server writes before it closes the connection
		wantClass classify.Class
	}{
		{"closed before the response", "", classify.Transient},
		{"closed after the status line", "HTTP/1.1 200 OK\r\n", classify.Transient},
		{"closed in a discarded body", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nab", classify.ServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, hijack(tt.drop), status(200))
			var rec observe.Recorder
			tr := newTransport(t, retryhttp.Retry(retry.Subscribe(&rec)))
			code, body, err := do(t, tr, "GET", srv.URL, "")
			if code != 200 || body != "200 #2" || err != nil {
				t.Errorf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, "200 #2")
			}
			evs := events(&rec)
			if len(evs) != 2 || evs[0].Kind != "retry" || evs[0].Class != tt.wantClass {
				t.Errorf("events = %+v; want a retry of class %v, then success", evs, tt.wantClass)
			}
		})
	}
}

func TestDroppedConnectionInTheReturnedBody(t *testing.T) {
	checkLeaks(t)
	// Once RoundTrip has returned a response, its body is the caller's:
	// the Transport cannot retry a read that fails.
	srv := newServer(t, hijack("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"))
	tr := newTransport(t)
	code, body, err := do(t, tr, "GET", srv.URL, "")
	if code != 200 || body != "abc" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("RoundTrip and read = %d %q, %v; want 200 %q, %v", code, body, err, "abc", io.ErrUnexpectedEOF)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}

func TestTransportErrorsExhaustAttempts(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, hijack(""))
	tr := newTransport(t, retryhttp.Retry(retry.MaxAttempts(3)))
	_, _, err := do(t, tr, "GET", srv.URL+"/x?token=secret", "")
	const want = "retry: max attempts reached after 3 attempts: " + op + ": EOF"
	if !errors.Is(err, retry.ErrMaxAttempts) || !errors.Is(err, io.EOF) || errText(err) != want {
		t.Errorf("RoundTrip error = %q; want %q", errText(err), want)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d requests; want 3", n)
	}
}

func TestNotIdempotent(t *testing.T) {
	alwaysTransient := retryhttp.Retry(
		retry.Classifier(classify.Func(func(error) classify.Class { return classify.Transient })),
		retry.MaxAttempts(5),
	)
	tests := []struct {
		name       string
		method     string
		header     string
		opts       []retryhttp.Option
		wantStatus int
		wantReqs   int32
	}{
		{"POST is sent once", "POST", "", nil, 503, 1},
		{"PATCH is sent once", "PATCH", "", nil, 503, 1},
		{"a classifier cannot make a POST retry", "POST", "", []retryhttp.Option{alwaysTransient}, 503, 1},
		{"POST with an Idempotency-Key is retried", "POST", "Idempotency-Key", nil, 200, 2},
		{"PUT is retried", "PUT", "", nil, 200, 2},
		{"DELETE is retried", "DELETE", "", nil, 200, 2},
		{"a rule of the user's retries POST", "POST", "", []retryhttp.Option{retryhttp.Idempotent(func(*http.Request) bool { return true })}, 200, 2},
		{"a rule of the user's refuses GET", "GET", "", []retryhttp.Option{retryhttp.Idempotent(func(*http.Request) bool { return false })}, 503, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, status(503), status(200))
			var rec observe.Recorder
			tr := newTransport(t, append(tt.opts, retryhttp.Retry(retry.Subscribe(&rec)))...)
			req, _ := http.NewRequest(tt.method, srv.URL, strings.NewReader("order 66"))
			if tt.header != "" {
				req.Header.Set(tt.header, "k1")
			}
			code, body, err := send(tr, req)
			if code != tt.wantStatus || err != nil || !strings.HasPrefix(body, strconv.Itoa(tt.wantStatus)) {
				t.Errorf("RoundTrip = %d %q, %v; want %d, nil", code, body, err, tt.wantStatus)
			}
			if n := srv.requests.Load(); n != tt.wantReqs {
				t.Errorf("%d requests; want %d", n, tt.wantReqs)
			}
			if tt.wantReqs > 1 {
				return
			}
			// The classifier that calls everything Transient gets its way
			// with the class, but the request is sent once all the same.
			wantKind, wantClass := "permanent_failure", classify.Permanent
			if len(tt.opts) > 0 && tt.opts[0] == alwaysTransient {
				wantKind, wantClass = "max_attempts_exceeded", classify.Transient
			}
			want := []eventtest.Event{{
				Kind: wantKind, Op: tt.method + " 127.0.0.1:PORT", Attempt: 1, Class: wantClass,
				Err: tt.method + " 127.0.0.1:PORT: 503 Service Unavailable (not retried: retryhttp: request is not idempotent)",
			}}
			if diff := cmp.Diff(want, events(&rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotIdempotentTransportError(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, hijack(""), status(200))
	tr := newTransport(t)
	_, _, err := do(t, tr, "POST", srv.URL, "order 66")
	for _, target := range []error{retryhttp.ErrNotIdempotent, retry.ErrPermanent, io.EOF} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
		}
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d requests; want 1", n)
	}
}

func TestBodyIsReplayedByteForByte(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(503), status(502), status(200))
	tr := newTransport(t)
	payload := make([]byte, 300<<10)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	req, _ := http.NewRequest("PUT", srv.URL, bytes.NewReader(payload))
	if code, _, err := send(tr, req); code != 200 || err != nil {
		t.Fatalf("RoundTrip = %d, %v; want 200, nil", code, err)
	}
	if len(srv.bodies) != 3 {
		t.Fatalf("%d requests; want 3", len(srv.bodies))
	}
	for i, b := range srv.bodies {
		if string(b) != string(payload) {
			t.Errorf("attempt %d sent %d bytes that differ from the %d of the body", i+1, len(b), len(payload))
		}
	}
}

func TestBodyNotReplayable(t *testing.T) {
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"with a response", []step{status(503), status(200)}},
		{"without a response", []step{hijack(""), status(200)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, tt.steps...)
			var rec observe.Recorder
			tr := newTransport(t, retryhttp.Retry(retry.Subscribe(&rec)))
			body := &trackedBody{r: strings.NewReader("stream")}
			req, _ := http.NewRequest("PUT", srv.URL, body) // no GetBody
			code, _, err := send(tr, req)
			if n := srv.requests.Load(); n != 1 {
				t.Errorf("%d requests; want 1", n)
			}
			if !body.closed.Load() {
				t.Error("request body not closed")
			}
			if code == 0 && !errors.Is(err, retryhttp.ErrBodyNotReplayable) {
				t.Errorf("RoundTrip error = %v; want it to match ErrBodyNotReplayable", err)
			}
			evs := rec.Events()
			if len(evs) != 1 {
				t.Fatalf("events = %v; want one", evs)
			}
			if e, ok := evs[0].(observe.PermanentFailure); !ok || !errors.Is(e.Err, retryhttp.ErrBodyNotReplayable) {
				t.Errorf("event = %v; want a PermanentFailure with ErrBodyNotReplayable", evs[0])
			}
		})
	}
}

func TestGetBodyFails(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(503), status(200))
	tr := newTransport(t)
	req, _ := http.NewRequest("PUT", srv.URL, strings.NewReader("x"))
	errGone := errors.New("file gone")
	req.GetBody = func() (io.ReadCloser, error) { return nil, errGone }
	_, _, err := send(tr, req)
	if !errors.Is(err, errGone) || !errors.Is(err, retry.ErrPermanent) {
		t.Errorf("RoundTrip error = %v; want a permanent error with %v", err, errGone)
	}
	const want = "retry: permanent error after 2 attempts: PUT 127.0.0.1:PORT: retryhttp: GetBody: file gone"
	if got := errText(err); got != want {
		t.Errorf("RoundTrip error = %q; want %q", got, want)
	}
}

func TestLargeFinalBodyReadAfterRoundTrip(t *testing.T) {
	large := strings.Repeat("0123456789abcdef", 1<<18) // 4 MiB
	for _, tt := range []struct {
		name string
		code int
		opts []retry.Option
	}{
		{"success", 200, nil},
		{"success with an attempt timeout", 200, []retry.Option{retry.AttemptTimeout(5 * time.Second)}},
		{"failure when attempts run out", 503, []retry.Option{retry.MaxAttempts(2)}},
		{"failure with an attempt timeout", 503, []retry.Option{retry.MaxAttempts(2), retry.AttemptTimeout(5 * time.Second)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, status(503), func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(tt.code)
				io.WriteString(w, large)
			})
			tr := newTransport(t, retryhttp.Retry(tt.opts...))
			code, body, err := do(t, tr, "GET", srv.URL, "")
			if code != tt.code || err != nil || body != large {
				t.Errorf("RoundTrip and read = %d, %d bytes, %v; want %d, %d bytes, nil", code, len(body), err, tt.code, len(large))
			}
		})
	}
}

func TestDiscardedResponsesAreDrained(t *testing.T) {
	for _, tt := range []struct {
		name      string
		size      int
		chunked   bool // of unknown length: the server flushes before the body
		wantConns int32
	}{
		{"small bodies: one connection", 100, false, 1},
		{"small chunked bodies: one connection", 100, true, 1},
		{"bodies beyond 64 KiB: a connection each", 100 << 10, false, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			fail := func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(503)
				if tt.chunked {
					w.(http.Flusher).Flush()
				}
				io.WriteString(w, strings.Repeat("x", tt.size))
			}
			srv := newServer(t, fail, fail, status(200))
			tr := newTransport(t)
			if code, _, err := do(t, tr, "GET", srv.URL, ""); code != 200 || err != nil {
				t.Fatalf("RoundTrip = %d, %v; want 200, nil", code, err)
			}
			if n := srv.conns.Load(); n != tt.wantConns {
				t.Errorf("%d connections; want %d", n, tt.wantConns)
			}
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, stall, status(200))
	var rec observe.Recorder
	tr := newTransport(t, retryhttp.Retry(retry.AttemptTimeout(100*time.Millisecond), retry.Subscribe(&rec)))
	code, body, err := do(t, tr, "GET", srv.URL, "")
	if code != 200 || body != "200 #2" || err != nil {
		t.Errorf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, "200 #2")
	}
	want := []eventtest.Event{
		{Kind: "retry", Op: op, Attempt: 1, Class: classify.Transient, Err: op + ": context deadline exceeded"},
		{Kind: "success", Op: op, Attempt: 2},
	}
	if diff := cmp.Diff(want, events(&rec)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestBodyOutlivesTheAttemptTimeout(t *testing.T) {
	checkLeaks(t)
	// The headers come at once, the body once the attempt timeout has
	// passed.
	const timeout = 100 * time.Millisecond
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-release:
			io.WriteString(w, "late but whole")
		case <-r.Context().Done():
		}
	})
	tr := newTransport(t, retryhttp.Retry(retry.AttemptTimeout(timeout)))
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(timeout + 50*time.Millisecond)
	close(release)
	body, err := io.ReadAll(resp.Body)
	if string(body) != "late but whole" || err != nil {
		t.Errorf("read = %q, %v; want %q, nil", body, err, "late but whole")
	}
}

func TestContext(t *testing.T) {
	t.Run("done before the first attempt", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, status(200))
		tr := newTransport(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		body := newBody("x")
		req, _ := http.NewRequestWithContext(ctx, "PUT", srv.URL, body)
		_, err := tr.RoundTrip(req)
		if !errors.Is(err, retry.ErrCancelled) || !body.closed.Load() || srv.requests.Load() != 0 {
			t.Errorf("RoundTrip error = %v, body closed %v, %d requests; want ErrCancelled, true, 0", err, body.closed.Load(), srv.requests.Load())
		}
	})
	t.Run("cancelled in the wait", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, status(503, "Retry-After: 60"), status(200))
		ctx, cancel := context.WithCancel(context.Background())
		tr := newTransport(t, retryhttp.Retry(
			retry.MaxRetryAfter(maxDuration),
			retry.Deadline(maxDuration),
			retry.Subscribe(observe.Func(func(observe.Retry) { cancel() })),
		))
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if resp != nil || !errors.Is(err, retry.ErrCancelled) {
			t.Fatalf("RoundTrip = %v, %v; want nil, ErrCancelled", resp, err)
		}
		const want = "retry: cancelled after 1 attempt: context canceled; last error: " + op + ": 503 Service Unavailable (retry after 1m0s)"
		if got := errText(err); got != want {
			t.Errorf("RoundTrip error = %q; want %q", got, want)
		}
	})
	t.Run("cancelled in an attempt", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, stall)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		tr := newTransport(t)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if resp != nil || !errors.Is(err, retry.ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("RoundTrip = %v, %v; want nil, ErrDeadline", resp, err)
		}
	})
}

func TestBudgets(t *testing.T) {
	tests := []struct {
		name  string
		opts  []retryhttp.Option
		wantA []int32 // requests of each of three calls to A, which always fails
		wantB int32   // requests of a call to B after them, which fails once
	}{
		{"the default allows 10 retries per host", nil, []int32{11, 1, 1}, 2},
		{"per host", []retryhttp.Option{retryhttp.BudgetPerHost(0, 2)}, []int32{3, 1, 1}, 2},
		{"shared", []retryhttp.Option{retryhttp.Budget(retry.NewBudget(0, 2))}, []int32{3, 1, 1}, 1},
		{"none", []retryhttp.Option{retryhttp.NoBudget()}, []int32{20, 20, 20}, 2},
		{"the last budget option wins", []retryhttp.Option{retryhttp.NoBudget(), retryhttp.BudgetPerHost(0, 1)}, []int32{2, 1, 1}, 2},
		{"a budget among the retry options overrides", []retryhttp.Option{retryhttp.Retry(retry.NoBudget())}, []int32{20, 20, 20}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			a := newServer(t, status(503))
			b := newServer(t, status(503), status(200))
			tr := newTransport(t, append([]retryhttp.Option{retryhttp.Retry(retry.MaxAttempts(20))}, tt.opts...)...)
			for i, want := range tt.wantA {
				before := a.requests.Load()
				if code, _, err := do(t, tr, "GET", a.URL, ""); code != 503 || err != nil {
					t.Errorf("call %d to A = %d, %v; want 503, nil", i+1, code, err)
				}
				if got := a.requests.Load() - before; got != want {
					t.Errorf("call %d to A: %d requests; want %d", i+1, got, want)
				}
			}
			do(t, tr, "GET", b.URL, "")
			if got := b.requests.Load(); got != tt.wantB {
				t.Errorf("call to B: %d requests; want %d", got, tt.wantB)
			}
		})
	}
}

func TestURLSecretsStayOutOfEventsAndErrors(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(503), hijack(""))
	var rec observe.Recorder
	tr := newTransport(t, retryhttp.Retry(retry.MaxAttempts(2), retry.Subscribe(&rec)))
	secretURL := strings.Replace(srv.URL, "://", "://alice:hunter2@", 1) + "/path?token=s3cret#frag"
	secrets := []string{"alice", "hunter2", "s3cret", "frag", "path"}
	check := func(what, s string) {
		t.Helper()
		if strings.HasPrefix(what, "Redact") {
			secrets = secrets[:4] // Redact keeps the path
		}
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("%s %q contains %q", what, s, secret)
			}
		}
	}

	_, _, err := do(t, tr, "GET", secretURL, "")
	if err == nil {
		t.Fatal("RoundTrip succeeded; want an error")
	}
	check("RoundTrip error", err.Error())
	for _, e := range events(&rec) {
		check("event", e.Op+" "+e.Err)
		if e.Op != op {
			t.Errorf("event Operation = %q; want %q", e.Op, op)
		}
	}

	// An http.Client puts the URL in its error, which Redact cuts down.
	srv.requests.Store(0)
	_, err = (&http.Client{Transport: tr}).Get(secretURL)
	if err == nil || !strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("http.Client error = %v; want one that holds the URL", err)
	}
	red := retryhttp.Redact(err)
	check("Redact(http.Client error)", red.Error())
	if !errors.Is(red, retry.ErrMaxAttempts) {
		t.Errorf("errors.Is(Redact(err), ErrMaxAttempts) = false; want true")
	}
}

func TestNameOfTheUser(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, status(503), status(200))
	var rec observe.Recorder
	tr := newTransport(t, retryhttp.Retry(retry.Name("users.get"), retry.Subscribe(&rec)))
	do(t, tr, "", srv.URL, "")
	want := []eventtest.Event{
		{Kind: "retry", Op: "users.get", Attempt: 1, Class: classify.ServerError, Err: op + ": 503 Service Unavailable"},
		{Kind: "success", Op: "users.get", Attempt: 2},
	}
	if diff := cmp.Diff(want, events(&rec)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  retryhttp.Option
		want string
	}{
		{"nil option", nil, "retryhttp: Option: option 1 is nil"},
		{"nil rule", retryhttp.Idempotent(nil), "retryhttp: Idempotent(nil): rule is nil"},
		{"nil budget", retryhttp.Budget(nil), "retryhttp: Budget(<nil>): budget is nil (NoBudget lifts the budget)"},
		{"bad per-host budget", retryhttp.BudgetPerHost(-1, 10), "retry: Budget(-1, 10): ratio -1 must be within [0, 1000]"},
		{"bad retry option", retryhttp.Retry(retry.MaxAttempts(0)), "retry: MaxAttempts(0): must be at least 1"},
		{"nil retry option", retryhttp.Retry(retry.MaxAttempts(2), nil), "retryhttp: Retry(MaxAttempts(2), <nil>): option 1 is nil"},
		{"bad breaker config", retryhttp.BreakerPerHost(breaker.Config{FailureRatio: 2}), "retryhttp: BreakerPerHost({FailureRatio:2}): breaker: invalid config: FailureRatio 2 must be within (0, 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				calls++
				return response(r, 200, http.NoBody), nil
			})
			tr := retryhttp.New(next, fast, tt.opt)
			body := newBody("x")
			req, _ := http.NewRequest("PUT", "http://example.com/", body)
			resp, err := tr.RoundTrip(req)
			if resp != nil || !errors.Is(err, retry.ErrInvalidOption) || err.Error() != tt.want {
				t.Errorf("RoundTrip = %v, %v; want nil, %q", resp, err, tt.want)
			}
			if calls != 0 || !body.closed.Load() {
				t.Errorf("%d calls, body closed %v; want 0, true", calls, body.closed.Load())
			}
		})
	}
}

func TestOptionStrings(t *testing.T) {
	tests := []struct {
		opt  retryhttp.Option
		want string
	}{
		{retryhttp.Retry(), "Retry()"},
		{retryhttp.Retry(retry.MaxAttempts(3), retry.Name("users")), `Retry(MaxAttempts(3), Name("users"))`},
		{retryhttp.Idempotent(retryhttp.IsIdempotent), "Idempotent(…)"},
		{retryhttp.BudgetPerHost(0.2, 5), "BudgetPerHost(0.2, 5)"},
		{retryhttp.Budget(retry.NewBudget(0.1, 10)), "Budget(Budget(0.1, 10))"},
		{retryhttp.NoBudget(), "NoBudget()"},
		{retryhttp.BreakerPerHost(breaker.Config{}), "BreakerPerHost({})"},
		{retryhttp.BreakerPerHost(breaker.Config{ConsecutiveFailures: 5, BreakDuration: time.Second}), "BreakerPerHost({ConsecutiveFailures:5 BreakDuration:1s})"},
	}
	for _, tt := range tests {
		if got := tt.opt.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}

// TestShortFailingBodyIsReadInTheAttempt pins where a failing response's
// body goes: one of known length within 64 KiB is read and closed by the
// attempt itself, before the loop decides, so its connection is free
// during the wait, and the response that RoundTrip hands back on giving
// up still reads in full.
func TestShortFailingBodyIsReadInTheAttempt(t *testing.T) {
	for _, length := range []string{"known", "unknown"} {
		t.Run(length+" length", func(t *testing.T) { testShortFailingBody(t, length == "known") })
	}
}

func testShortFailingBody(t *testing.T, known bool) {
	checkLeaks(t)
	var bodies []*trackedBody
	body := strings.Repeat("y", 1000)
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b := newBody(body)
		bodies = append(bodies, b)
		resp := response(r, 503, b)
		resp.ContentLength = -1 // chunked, say
		if known {
			resp.ContentLength = int64(len(body))
		}
		return resp, nil
	})
	var closedAtRetry []bool
	spy := observe.Func(func(observe.Retry) {
		closedAtRetry = append(closedAtRetry, bodies[len(bodies)-1].closed.Load())
	})
	tr := retryhttp.New(rt, fast, retryhttp.Retry(retry.MaxAttempts(3), retry.Subscribe(spy)))
	code, got, err := send(tr, httptest.NewRequest("GET", "http://example.com/", nil))
	if code != 503 || got != body || err != nil {
		t.Fatalf("RoundTrip and read = %d, %d bytes, %v; want 503, %d bytes, nil", code, len(got), err, len(body))
	}
	if want := []bool{true, true}; !slices.Equal(closedAtRetry, want) {
		t.Errorf("body closed when the Retry event came: %v; want %v", closedAtRetry, want)
	}
	for i, b := range bodies {
		if !b.closed.Load() || b.read.Load() != int64(len(body)) {
			t.Errorf("body %d: closed %v, %d bytes read; want closed, %d", i, b.closed.Load(), b.read.Load(), len(body))
		}
	}
}

// TestLongFailingBodyOfKnownLength pins what settle leaves alone: a
// failing body of known length beyond 64 KiB stays open in its attempt,
// is closed by the next one (its connection lost, as before), and reads in
// full from the response handed back on giving up.
func TestLongFailingBodyOfKnownLength(t *testing.T) {
	checkLeaks(t)
	long := strings.Repeat("z", 100<<10)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Length", strconv.Itoa(len(long)))
		w.WriteHeader(503)
		io.WriteString(w, long)
	})
	tr := newTransport(t, retryhttp.Retry(retry.MaxAttempts(3)))
	code, body, err := do(t, tr, "GET", srv.URL, "")
	if code != 503 || body != long || err != nil {
		t.Errorf("RoundTrip and read = %d, %d bytes, %v; want 503, %d bytes, nil", code, len(body), err, len(long))
	}
	if n := srv.conns.Load(); n != 3 {
		t.Errorf("%d connections; want 3, one per attempt", n)
	}
}

// TestSlowShortFailingBodyIsCut pins the bound on settling: a failing
// body of known short length that does not arrive within half a second is
// cut, closed, and the response handed back on giving up reads the error.
func TestSlowShortFailingBodyIsCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var body *blockingBody
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			body = &blockingBody{ctx: r.Context()}
			resp := response(r, 503, body)
			resp.ContentLength = 10
			return resp, nil
		})
		tr := retryhttp.New(rt, retryhttp.Retry(retry.MaxAttempts(1)))
		resp, err := tr.RoundTrip(httptest.NewRequest("GET", "http://example.com/", nil))
		if err != nil {
			t.Fatalf("RoundTrip = %v; want the 503", err)
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		if err == nil || !strings.Contains(err.Error(), "took too long") {
			t.Errorf("reading the body = %v; want the error of its cut", err)
		}
		if !body.closed.Load() {
			t.Error("the cut body was not closed")
		}
	})
}

// A failing body that says it is longer than what came is cut, even when
// nothing came: reading the response handed back on giving up says so
// rather than passing for an empty body.
func TestFailingBodyShorterThanItSaid(t *testing.T) {
	for _, sent := range []string{"", "half"} {
		t.Run(fmt.Sprintf("%d bytes of 100", len(sent)), func(t *testing.T) {
			rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp := response(r, 503, newBody(sent))
				resp.ContentLength = 100
				return resp, nil
			})
			tr := retryhttp.New(rt, fast, retryhttp.Retry(retry.MaxAttempts(1)))
			resp, err := tr.RoundTrip(httptest.NewRequest("GET", "http://example.com/", nil))
			if err != nil {
				t.Fatalf("RoundTrip = %v; want the 503", err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if string(got) != sent || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("reading the body = %q, %v; want %q, io.ErrUnexpectedEOF", got, err, sent)
			}
		})
	}
}
