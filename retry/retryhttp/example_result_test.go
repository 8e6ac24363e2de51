package retryhttp_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// busyServer is a RoundTripper that plays a server without a network: it
// answers every request with 200 and the n-th body (repeating the last).
type busyServer struct {
	bodies []string
	n      int
}

func (s *busyServer) RoundTrip(r *http.Request) (*http.Response, error) {
	body := s.bodies[min(s.n, len(s.bodies)-1)]
	s.n++
	fmt.Printf("server: %s %s -> 200 %s\n", r.Method, r.URL.Path, body)
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

func ExampleReadBody() {
	// The server answers 200 even when it is too busy to serve: its body
	// says "try again". A result classifier rejects such an answer as
	// Transient, so that the Transport retries it as it would a 503.
	tryAgain := retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
		body, err := retryhttp.ReadBody(resp) // resp.Body stays readable
		if err != nil {
			return classify.Transient, true // cut short: ask again
		}
		return classify.Transient, bytes.Contains(body, []byte("try again"))
	})
	logRetries := observe.Func(func(e observe.Retry) {
		fmt.Printf("retry: attempt %d: %v (%v, rejected %v)\n", e.Attempt, e.Err, e.Class, e.Rejected)
	})
	server := &busyServer{bodies: []string{"busy, try again", "busy, try again", "42 users"}}
	client := &http.Client{Transport: retryhttp.New(server,
		retryhttp.Retry(tryAgain, retry.MaxAttempts(4), noWait, retry.Subscribe(logRetries)),
	)}

	resp, err := client.Get("https://api.example.com/users/count")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))

	// When the retries run out, the last answer comes back, readable,
	// with a nil error, as a 503 would.
	server = &busyServer{bodies: []string{"busy, try again"}}
	client.Transport = retryhttp.New(server, retryhttp.Retry(tryAgain, retry.MaxAttempts(2), noWait))
	resp, err = client.Get("https://api.example.com/users/count")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ = io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// server: GET /users/count -> 200 busy, try again
	// retry: attempt 1: retry: result rejected (Transient) (Transient, rejected true)
	// server: GET /users/count -> 200 busy, try again
	// retry: attempt 2: retry: result rejected (Transient) (Transient, rejected true)
	// server: GET /users/count -> 200 42 users
	// 200 42 users
	// server: GET /users/count -> 200 busy, try again
	// server: GET /users/count -> 200 busy, try again
	// 200 busy, try again
}
