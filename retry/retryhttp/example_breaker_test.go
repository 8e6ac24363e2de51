package retryhttp_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// hosts is a RoundTripper that sends each request to the fake server of
// its host.
type hosts map[string]http.RoundTripper

func (h hosts) RoundTrip(r *http.Request) (*http.Response, error) { return h[r.URL.Host].RoundTrip(r) }

func ExampleBreakerPerHost() {
	logChanges := observe.Func(func(e observe.BreakerStateChange) {
		fmt.Printf("breaker %s: %v -> %v (%v)\n", e.Breaker, e.From, e.To, e.Reason)
	})
	servers := hosts{
		"api.example.com":   &fakeServer{statuses: []int{503}}, // down
		"files.example.com": &fakeServer{statuses: []int{200}},
	}
	client := &http.Client{Transport: retryhttp.New(servers,
		// Three failures in a row open a host's breaker (10 by default).
		retryhttp.BreakerPerHost(breaker.Config{ConsecutiveFailures: 3, Subscribers: []observe.Subscriber{logChanges}}),
		// One attempt per request, so that each request shows; a deadline
		// too short to wait for the breaker's probe, so that a refused
		// request fails at once.
		retryhttp.Retry(retry.MaxAttempts(1), retry.Deadline(time.Second)),
	)}

	get := func(url string) {
		resp, err := client.Get(url)
		if err != nil {
			fmt.Println("refused:", errors.Is(err, retry.ErrBreakerOpen), errors.Is(err, breaker.ErrOpen))
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	for range 4 {
		get("https://api.example.com/users/42") // the fourth is not sent
	}
	get("https://files.example.com/report.pdf") // another host: another breaker
	// Output:
	// server: GET /users/42 -> 503
	// 503
	// server: GET /users/42 -> 503
	// 503
	// server: GET /users/42 -> 503
	// breaker https://api.example.com:443: closed -> open (consecutive_failures)
	// 503
	// refused: true true
	// server: GET /report.pdf -> 200
	// 200
}
