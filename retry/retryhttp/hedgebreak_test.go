package retryhttp_test

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// TestHedgebreakALosersFailingBodyCostsNoTime: the first attempt gets a
// 503 whose body is slow to come, just before the hedge's 200 wins. The
// first attempt, reading that body before its failure is judged, is a
// loser: its request is cancelled at once, and RoundTrip returns the
// winner's response when it comes, not after the half second that a
// failed response's body may take to read. (Fake time: the RoundTripper
// is a stub whose 503 body blocks until its request's context ends.)
func TestHedgebreakALosersFailingBodyCostsNoTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		var slow *blockingBody
		next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			switch n.Add(1) {
			case 1: // headers at 55ms, a body that never comes
				time.Sleep(55 * time.Millisecond)
				slow = &blockingBody{ctx: r.Context()}
				return response(r, http.StatusServiceUnavailable, slow), nil
			default: // the hedge, at 50ms: 200 at 56ms
				time.Sleep(6 * time.Millisecond)
				return response(r, http.StatusOK, io.NopCloser(strings.NewReader("ok"))), nil
			}
		})
		rt := retryhttp.New(next, fast, retryhttp.NoBudget(), retryhttp.Hedge(50*time.Millisecond, 2))
		start := time.Now()
		req, _ := http.NewRequest(http.MethodGet, "http://users.example/u/1", nil)
		code, body, err := send(rt, req)
		if err != nil || code != http.StatusOK || body != "ok" {
			t.Fatalf("RoundTrip = %d %q, %v; want 200 ok", code, body, err)
		}
		if at := time.Since(start); at != 56*time.Millisecond {
			t.Errorf("RoundTrip returned at %v; want 56ms, when the hedge won", at)
		}
		if !slow.closed.Load() {
			t.Errorf("the loser's 503 body is open; want it closed")
		}
	})
}
