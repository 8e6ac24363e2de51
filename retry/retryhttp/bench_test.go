package retryhttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/retry"
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
}

func benchmarkTransport(b *testing.B, answer func(r *http.Request, n int) *http.Response) {
	n := 0
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		n++
		return answer(r, n), nil
	})
	tr := retryhttp.New(next, retryhttp.Retry(retry.Backoff(backoff.Constant(0))))
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
