package main

import (
	"bytes"
	"context"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// testConfig returns the demo's configuration with every delay scaled down,
// so that a run against the real loopback server takes well under a second.
func testConfig(seed uint64, calls int) config {
	cfg := defaultConfig()
	cfg.seed = seed
	cfg.calls = calls
	cfg.concurrency = 4
	cfg.attemptTimeout = 25 * time.Millisecond
	cfg.deadline = 150 * time.Millisecond
	cfg.maxRetryAfter = 20 * time.Millisecond
	cfg.backoffBase, cfg.backoffCap = time.Millisecond, 10*time.Millisecond
	cfg.rateLimitBase, cfg.rateLimitCap = 2*time.Millisecond, 20*time.Millisecond
	cfg.slowFor = 2 * time.Second // the client gives up long before
	return cfg
}

// stopKinds maps each stop reason to the event that tells of it.
var stopKinds = map[error]observe.Kind{
	retry.ErrPermanent:          observe.KindPermanentFailure,
	retry.ErrMaxAttempts:        observe.KindMaxAttemptsExceeded,
	retry.ErrMaxUnknownAttempts: observe.KindMaxUnknownAttemptsExceeded,
	retry.ErrMaxClassAttempts:   observe.KindMaxClassAttemptsExceeded,
	retry.ErrDeadline:           observe.KindDeadlineExceeded,
	retry.ErrCancelled:          observe.KindCancelled,
}

func TestRunAddsUp(t *testing.T) {
	for _, seed := range []uint64{1, 103} {
		before := runtime.NumGoroutine()
		const calls = 24
		var out bytes.Buffer
		s, err := run(context.Background(), testConfig(seed, calls), &out)
		if err != nil {
			t.Fatalf("seed %d: run = %v; want no error\n%s", seed, err, out.String())
		}

		failed := 0
		for _, n := range s.failed {
			failed += n
		}
		if s.calls != calls || s.succeeded+failed != calls || s.unexplained != 0 {
			t.Errorf("seed %d: %d calls, %d succeeded, %d failed with a known reason, %d unexplained; want %d calls that all add up",
				seed, s.calls, s.succeeded, failed, s.unexplained, calls)
		}
		if s.attemptsMax < 1 || s.attemptsMax > maxAttempts {
			t.Errorf("seed %d: max attempts per call = %d; want within [1, %d]", seed, s.attemptsMax, maxAttempts)
		}

		// The events the subscriber saw agree with what retry.Do returned.
		want := map[observe.Kind]int{}
		add := func(k observe.Kind, n int) {
			if n > 0 {
				want[k] += n
			}
		}
		add(observe.KindSuccess, s.succeeded)
		for i, sr := range stopReasons {
			add(stopKinds[sr.err], s.failed[i])
		}
		for _, n := range s.retries {
			add(observe.KindRetry, n)
		}
		if diff := cmp.Diff(want, s.events); diff != "" {
			t.Errorf("seed %d: events (-want +got):\n%s", seed, diff)
		}

		if !strings.Contains(out.String(), "\nSummary\n") {
			t.Errorf("seed %d: output has no summary:\n%s", seed, out.String())
		}
		waitForGoroutines(t, before)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	s, err := run(ctx, testConfig(1, 8), &out)
	if err != nil {
		t.Fatalf("run(cancelled) = %v; want no error", err)
	}
	if got := s.failed[indexOf(retry.ErrCancelled)]; got != 8 {
		t.Errorf("run(cancelled): %d calls cancelled; want 8\n%s", got, out.String())
	}
}

func indexOf(reason error) int {
	for i, sr := range stopReasons {
		if sr.err == reason {
			return i
		}
	}
	panic("no such reason")
}

// waitForGoroutines fails t unless the number of goroutines falls back to
// at most n within a second: the server's, the client's connections' and
// the calls' goroutines must all end.
func waitForGoroutines(t *testing.T, n int) {
	t.Helper()
	for end := time.Now().Add(time.Second); runtime.NumGoroutine() > n; {
		if time.Now().After(end) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left; want at most %d:\n%s", runtime.NumGoroutine(), n, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The parser itself is classify.ParseRetryAfter's, tested there; this
// checks that the demo reads the header of a 429 and a 503 only.
func TestNewHTTPErrorReadsRetryAfter(t *testing.T) {
	now := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		code     int
		header   string
		wantHint time.Duration
	}{
		{429, "1", time.Second},
		{503, "Sun, 01 Mar 2026 12:00:02 GMT", 2 * time.Second},
		{503, "9223372037", math.MaxInt64},
		{429, "soon", 0},
		{429, "-1", 0},
		{500, "1", 0},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: tt.code, Header: http.Header{"Retry-After": {tt.header}}}
		if got := newHTTPError(resp, now).Hint; got != tt.wantHint {
			t.Errorf("newHTTPError(%d, Retry-After: %q).Hint = %v; want %v", tt.code, tt.header, got, tt.wantHint)
		}
	}
}

func TestHTTPErrorIsClassified(t *testing.T) {
	tests := []struct {
		err       *HTTPError
		wantClass classify.Class
		wantHint  time.Duration
	}{
		{&HTTPError{Code: 404}, classify.Permanent, 0},
		{&HTTPError{Code: 503}, classify.ServerError, 0},
		{&HTTPError{Code: 503, RetryAfterHeader: "1", Hint: time.Second}, classify.ServerError, time.Second},
		{&HTTPError{Code: 429, RetryAfterHeader: "2", Hint: 2 * time.Second}, classify.RateLimit, 2 * time.Second},
		{&HTTPError{Code: 429, RetryAfterHeader: "soon"}, classify.RateLimit, 0},
	}
	for _, tt := range tests {
		if got := classify.Default().Classify(tt.err); got != tt.wantClass {
			t.Errorf("Default().Classify(%v) = %v; want %v", tt.err, got, tt.wantClass)
		}
		if got, _ := classify.RetryAfter(tt.err); got != tt.wantHint {
			t.Errorf("RetryAfter(%v) = %v; want %v", tt.err, got, tt.wantHint)
		}
	}
}
