package retryhttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// benchResponse returns a response to r with code and a short body of
// known length, as a server's error page has.
func benchResponse(r *http.Request, code int) *http.Response {
	const body = "service unavailable"
	return &http.Response{StatusCode: code, Header: http.Header{}, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body)), Request: r}
}

// BenchmarkTransport measures what the Transport adds to a request, over a
// RoundTripper that answers at once: one that succeeds, and one that fails
// once with a 503 and then succeeds, with no wait between.
func BenchmarkTransport(b *testing.B) {
	b.Run("Success", func(b *testing.B) {
		benchmarkTransport(b, func(r *http.Request, n int) *http.Response { return benchResponse(r, 200) })
	})
	b.Run("RetryOnce", func(b *testing.B) {
		benchmarkTransport(b, func(r *http.Request, n int) *http.Response {
			if n%2 == 1 {
				return benchResponse(r, 503)
			}
			return benchResponse(r, 200)
		})
	})
	// With a breaker per host, closed.
	b.Run("SuccessBreaker", func(b *testing.B) {
		benchmarkTransportWith(b, []retryhttp.Option{retryhttp.BreakerPerHost(breaker.Config{})},
			func(r *http.Request, n int) *http.Response { return benchResponse(r, 200) })
	})
	// Hedging whose hedge never fires: the response comes long before the
	// delay, fixed or learned (a floor of an hour).
	b.Run("HedgeNotFired", func(b *testing.B) {
		benchmarkTransportWith(b, []retryhttp.Option{retryhttp.Hedge(time.Hour, 2)},
			func(r *http.Request, n int) *http.Response { return benchResponse(r, 200) })
	})
	b.Run("HedgeAdaptiveNotFired", func(b *testing.B) {
		benchmarkTransportWith(b, []retryhttp.Option{retryhttp.HedgeAdaptive(retry.LatencyConfig{Floor: time.Hour, Cap: time.Hour}, 2)},
			func(r *http.Request, n int) *http.Response { return benchResponse(r, 200) })
	})
	// With a result classifier that reads the status and a header: one
	// that accepts every response, and one that rejects every other.
	b.Run("SuccessClassified", func(b *testing.B) {
		benchmarkTransport(b, func(r *http.Request, n int) *http.Response { return benchResponse(r, 200) }, pendingHeader)
	})
	b.Run("RejectOnce", func(b *testing.B) {
		benchmarkTransport(b, func(r *http.Request, n int) *http.Response {
			resp := benchResponse(r, 200)
			if n%2 == 1 {
				resp.Header.Set("X-Job-Status", "pending")
			}
			return resp
		}, pendingHeader)
	})
}

// pendingHeader rejects a response whose X-Job-Status is pending.
var pendingHeader = retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
	return classify.Transient, resp.StatusCode == 200 && resp.Header.Get("X-Job-Status") == "pending"
})

func benchmarkTransport(b *testing.B, answer func(r *http.Request, n int) *http.Response, opts ...retry.Option) {
	benchmarkTransportWith(b, nil, answer, opts...)
}

// benchmarkTransportWith is benchmarkTransport with the Transport's options
// topts as well.
func benchmarkTransportWith(b *testing.B, topts []retryhttp.Option, answer func(r *http.Request, n int) *http.Response, opts ...retry.Option) {
	n := 0
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n++
		return answer(r, n), nil
	})
	tr := retryhttp.New(next, append(topts, retryhttp.Retry(append([]retry.Option{retry.Backoff(backoff.Constant(0))}, opts...)...))...)
	req := httptest.NewRequest("GET", "http://users.internal/v1/users/7", nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkDo measures a call of Do that succeeds at once, through a
// Transport with retry options, over a RoundTripper that answers at once.
func BenchmarkDo(b *testing.B) {
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) { return benchResponse(r, 200), nil })
	client := &http.Client{Transport: retryhttp.New(next, retryhttp.Retry(retry.Backoff(backoff.Constant(0))))}
	req := httptest.NewRequest("GET", "http://users.internal/v1/users/7", nil)
	req.RequestURI = ""
	decode := func(resp *http.Response) (int, error) { return int(resp.ContentLength), nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := retryhttp.Do(client, req, decode); err != nil {
			b.Fatal(err)
		}
	}
}
