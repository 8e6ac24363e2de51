package retryhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// arrivals counts the requests that reached a server, per path.
type arrivals struct {
	mu sync.Mutex
	n  map[string]int
}

// next counts a request for path, and returns its number among those for
// path, counting from 1.
func (a *arrivals) next(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[string]int{}
	}
	a.n[path]++
	return a.n[path]
}

// of returns the number of requests for path that reached the server.
func (a *arrivals) of(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n[path]
}

// answerAfter writes body after d, unless the client gives the request up
// first.
func answerAfter(w http.ResponseWriter, r *http.Request, d time.Duration, body string) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-r.Context().Done():
		return
	case <-timer.C:
	}
	io.WriteString(w, body)
}

// newSlowFirstServer returns a server on loopback that answers "fast" at
// once, but the first request for a path /slow/MS/…, which it answers
// "slow" after MS milliseconds, unless the client gives it up first.
func newSlowFirstServer(t *testing.T) (*hedgeServer, *arrivals) {
	t.Helper()
	var seen arrivals
	srv := newHedgeServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		nth := seen.next(r.URL.Path)
		var ms int
		if _, err := fmt.Sscanf(r.URL.Path, "/slow/%d/", &ms); err == nil && nth == 1 {
			answerAfter(w, r, time.Duration(ms)*time.Millisecond, "slow")
			return
		}
		io.WriteString(w, "fast")
	})
	return srv, &seen
}

// hedging is what a Recorder saw of a request's hedging: the number of
// hedges started, and the winners, as "attempt n, hedge".
func hedging(rec *observe.Recorder) (started int, won []string) {
	for _, e := range rec.Events() {
		switch e := e.(type) {
		case observe.HedgeStarted:
			started++
		case observe.HedgeWon:
			won = append(won, "attempt "+strconv.Itoa(e.Attempt)+", hedge "+strconv.FormatBool(e.Hedge))
		}
	}
	return started, won
}

// checkNotHedged sends a request of method to url, whose server answers
// "slow" after a while, and fails the test unless the server saw it once
// and it got that answer, without a hedge.
func checkNotHedged(t *testing.T, rt http.RoundTripper, rec *observe.Recorder, seen *arrivals, method, url, path, why string) {
	t.Helper()
	rec.Reset()
	code, body, err := do(t, rt, method, url+path, "")
	if err != nil || code != http.StatusOK || body != "slow" {
		t.Fatalf("%s %s: %d %q, %v; want 200 slow", method, path, code, body, err)
	}
	if n, _ := hedging(rec); n != 0 || seen.of(path) != 1 {
		t.Errorf("%s %s: %d hedges, the server saw it %d times; want none, once: %s", method, path, n, seen.of(path), why)
	}
}

// checkHedged sends a GET to url, whose server answers the first request
// for path late, and the others at once, and fails the test unless the
// server saw two, the second one's answer won, and the hedge is the winner
// (or, if the first attempt was so late to reach the server that the
// hedge overtook it, the first attempt).
func checkHedged(t *testing.T, rt http.RoundTripper, rec *observe.Recorder, seen *arrivals, url, path, why string) {
	t.Helper()
	rec.Reset()
	code, body, err := do(t, rt, http.MethodGet, url+path, "")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %q, %v; want 200", path, code, body, err)
	}
	if n := seen.of(path); n != 2 || body != "fast" {
		t.Errorf("GET %s: the server saw it %d times, answer %q; want twice, the hedge's answer, fast: %s", path, n, body, why)
	}
	started, won := hedging(rec)
	if started != 1 || len(won) != 1 || (won[0] != "attempt 2, hedge true" && won[0] != "attempt 1, hedge false") {
		t.Errorf("GET %s: %d hedges started, won %q; want one, won by the attempt answered", path, started, won)
	}
}

// TestHedgeAdaptiveLearnsTheDelay hedges GETs to a real server on
// loopback with HedgeAdaptive, whose fallback, and cap, is a minute: a
// request that takes 100ms before the Transport has measured the host
// (fast POSTs do not count) is not hedged; after a warm-up of fast requests, each request that stalls
// is hedged, at the learned delay, which is far below the fallback, and
// the hedge wins. A POST that takes 100ms is not hedged. Every response
// body is closed, and no goroutine outlives the calls.
func TestHedgeAdaptiveLearnsTheDelay(t *testing.T) {
	checkLeaks(t)
	srv, seen := newSlowFirstServer(t)
	rec := &observe.Recorder{}
	cfg := retry.LatencyConfig{MinSamples: 10, Floor: 5 * time.Millisecond, Cap: time.Minute}
	rt, counter := newHedgeTransport(t, retryhttp.HedgeAdaptive(cfg, 2), retryhttp.Retry(retry.Subscribe(rec)))

	// POSTs are not hedged, nor measured.
	for i := range 20 {
		if code, body, err := do(t, rt, http.MethodPost, srv.URL+"/post/"+strconv.Itoa(i), ""); err != nil || code != http.StatusOK || body != "fast" {
			t.Fatalf("POST %d: %d %q, %v; want 200 fast", i, code, body, err)
		}
	}
	checkNotHedged(t, rt, rec, seen, http.MethodGet, srv.URL, "/slow/100/before", "the host is not measured yet, POSTs aside: the fallback, a minute, applies")
	for i := range 20 {
		if code, body, err := do(t, rt, http.MethodGet, srv.URL+"/warm/"+strconv.Itoa(i), ""); err != nil || code != http.StatusOK || body != "fast" {
			t.Fatalf("warm-up %d: %d %q, %v; want 200 fast", i, code, body, err)
		}
	}
	for i := range 3 {
		// The first request for the path stalls for 10s: without a hedge
		// at the learned delay, it would answer slow.
		checkHedged(t, rt, rec, seen, srv.URL, "/slow/10000/after/"+strconv.Itoa(i), "the learned delay applies")
	}
	checkNotHedged(t, rt, rec, seen, http.MethodPost, srv.URL, "/slow/100/post", "a POST is never hedged")
	checkBodies(t, rt, counter, srv)
}

// TestHedgeAdaptiveKeepsADelayPerHost hedges GETs to two real servers on
// loopback, two destinations, with HedgeAdaptive, whose fallback is a
// minute: once A is measured, fast, a request to B that takes 100ms is not
// hedged (A's delay is not B's); once B is measured, slow (1s a request),
// a request to A that takes 300ms is hedged at A's delay, as it would not
// be at B's, and one to B that takes 100ms is still not hedged.
func TestHedgeAdaptiveKeepsADelayPerHost(t *testing.T) {
	checkLeaks(t)
	a, seenA := newSlowFirstServer(t)
	b, seenB := newSlowFirstServer(t)
	rec := &observe.Recorder{}
	cfg := retry.LatencyConfig{MinSamples: 5, Floor: 5 * time.Millisecond, Cap: time.Minute}
	rt, counter := newHedgeTransport(t, retryhttp.HedgeAdaptive(cfg, 2), retryhttp.Retry(retry.Subscribe(rec)))

	for i := range 20 {
		if code, body, err := do(t, rt, http.MethodGet, a.URL+"/warm/"+strconv.Itoa(i), ""); err != nil || code != http.StatusOK || body != "fast" {
			t.Fatalf("warm-up of A %d: %d %q, %v; want 200 fast", i, code, body, err)
		}
	}
	checkNotHedged(t, rt, rec, seenB, http.MethodGet, b.URL, "/slow/100/0", "B is not measured yet: its fallback, a minute, applies, not A's delay")

	// B answers its warm-up after a second each, at once: its delay
	// becomes about a second.
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			if code, body, err := do(t, rt, http.MethodGet, b.URL+"/slow/1000/warm/"+strconv.Itoa(i), ""); err != nil || code != http.StatusOK || body != "slow" {
				t.Errorf("warm-up of B %d: %d %q, %v; want 200 slow", i, code, body, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	checkHedged(t, rt, rec, seenA, a.URL, "/slow/300/1", "A's delay stays A's, whatever B's")
	checkNotHedged(t, rt, rec, seenB, http.MethodGet, b.URL, "/slow/100/2", "B's delay is its own, about a second")
	checkBodies(t, rt, counter, a)
	b.waitNoConns(t)
}

// TestHedgeLastOptionWins: of Hedge and HedgeAdaptive, the last one sets
// how a Transport hedges. Against a server that answers the first request
// for a path after 100ms, Hedge(0, 2) hedges it, and HedgeAdaptive with a
// delay of a minute does not.
func TestHedgeLastOptionWins(t *testing.T) {
	checkLeaks(t)
	srv, seen := newSlowFirstServer(t)
	rec := &observe.Recorder{}
	minute := retryhttp.HedgeAdaptive(retry.LatencyConfig{Floor: time.Minute, Cap: time.Minute}, 2)
	tests := []struct {
		opts   []retryhttp.Option
		hedged bool
	}{
		{[]retryhttp.Option{retryhttp.Hedge(0, 2), minute}, false},
		{[]retryhttp.Option{minute, retryhttp.Hedge(0, 2)}, true},
	}
	for i, tt := range tests {
		rt, counter := newHedgeTransport(t, append(tt.opts, retryhttp.Retry(retry.Subscribe(rec)))...)
		path := "/slow/100/" + strconv.Itoa(i)
		if tt.hedged {
			checkHedged(t, rt, rec, seen, srv.URL, path, fmt.Sprintf("%v: the last option hedges at once", tt.opts))
		} else {
			checkNotHedged(t, rt, rec, seen, http.MethodGet, srv.URL, path, fmt.Sprintf("%v: the last option hedges after a minute", tt.opts))
		}
		checkBodies(t, rt, counter, srv)
	}
}
