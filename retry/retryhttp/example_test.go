package retryhttp_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// fakeServer is a RoundTripper that plays a server without a network: it
// answers the n-th request with the n-th status (repeating the last), and
// says what it was sent. Real code wraps http.DefaultTransport or a
// transport of its own.
type fakeServer struct {
	statuses []int
	n        int
}

func (s *fakeServer) RoundTrip(r *http.Request) (*http.Response, error) {
	code := s.statuses[min(s.n, len(s.statuses)-1)]
	s.n++
	body := ""
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		body = " " + string(b)
	}
	fmt.Printf("server: %s %s%s -> %d\n", r.Method, r.URL.Path, body, code)
	return &http.Response{
		StatusCode: code,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader(http.StatusText(code))),
		Request:    r,
	}, nil
}

// The examples wait zero between attempts, so that they run at once; real
// code keeps the default jittered backoff.
var noWait = retry.Backoff(backoff.Constant(0))

func ExampleNew() {
	server := &fakeServer{statuses: []int{503, 503, 200}}
	logRetries := observe.Func(func(e observe.Retry) {
		fmt.Printf("retry: %s attempt %d: %v (%v)\n", e.Operation, e.Attempt, e.Err, e.Class)
	})
	client := &http.Client{Transport: retryhttp.New(server,
		retryhttp.Retry(retry.MaxAttempts(4), noWait, retry.Subscribe(logRetries)),
	)}

	resp, err := client.Get("https://api.example.com/users/42?token=secret")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// server: GET /users/42 -> 503
	// retry: GET api.example.com attempt 1: GET api.example.com: 503 Service Unavailable (ServerError)
	// server: GET /users/42 -> 503
	// retry: GET api.example.com attempt 2: GET api.example.com: 503 Service Unavailable (ServerError)
	// server: GET /users/42 -> 200
	// 200 OK
}

func ExampleNew_lastResponse() {
	// When the retries run out, the last response comes back as the server
	// sent it, readable, with a nil error: its status is the caller's to
	// judge, as with any http.Client.
	server := &fakeServer{statuses: []int{503}}
	client := &http.Client{Transport: retryhttp.New(server, retryhttp.Retry(retry.MaxAttempts(2), noWait))}

	resp, err := client.Get("https://api.example.com/status")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// server: GET /status -> 503
	// server: GET /status -> 503
	// 503 Service Unavailable
}

func ExampleIdempotent() {
	server := &fakeServer{statuses: []int{503, 201}}
	client := &http.Client{Transport: retryhttp.New(server, retryhttp.Retry(noWait))}

	// A POST is sent once: sending it again could order twice.
	resp, _ := client.Post("https://shop.example.com/orders", "text/plain", strings.NewReader("1 book"))
	resp.Body.Close()
	fmt.Println("without a key:", resp.StatusCode)

	// With an Idempotency-Key, the server applies it once however often it
	// comes, so it is retried, body and all.
	server.n = 0
	req, _ := http.NewRequest("POST", "https://shop.example.com/orders", strings.NewReader("1 book"))
	req.Header.Set("Idempotency-Key", "order-7f3a")
	resp, _ = client.Do(req)
	resp.Body.Close()
	fmt.Println("with a key:", resp.StatusCode)
	// Output:
	// server: POST /orders 1 book -> 503
	// without a key: 503
	// server: POST /orders 1 book -> 503
	// server: POST /orders 1 book -> 201
	// with a key: 201
}

func ExampleRedact() {
	down := roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})
	client := &http.Client{Transport: retryhttp.New(down, retryhttp.Retry(retry.MaxAttempts(2), noWait))}

	_, err := client.Get("https://alice:pw@api.example.com/users?token=secret")
	fmt.Println(err)
	fmt.Println(retryhttp.Redact(err))
	fmt.Println(errors.Is(retryhttp.Redact(err), retry.ErrMaxAttempts))
	// Output:
	// Get "https://alice:***@api.example.com/users?token=secret": retry: max attempts reached after 2 attempts: GET api.example.com: connection refused
	// Get "https://api.example.com/users": retry: max attempts reached after 2 attempts: GET api.example.com: connection refused
	// true
}

func ExampleStatusError() {
	// This API says in a header whether a failure is worth retrying, and
	// its word beats the status code's.
	shouldRetry := classify.Match(func(e *retryhttp.StatusError) classify.Class {
		switch e.Header.Get("Should-Retry") {
		case "false":
			return classify.Permanent
		case "true":
			return classify.Transient
		}
		return classify.Unknown // no opinion: ask the next classifier
	})
	server := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		fmt.Println("server: 503, Should-Retry: false")
		h := http.Header{"Should-Retry": {"false"}}
		return &http.Response{StatusCode: 503, Header: h, Body: http.NoBody, Request: r}, nil
	})
	client := &http.Client{Transport: retryhttp.New(server, retryhttp.Retry(
		noWait,
		retry.Classifier(classify.Chain(shouldRetry, classify.Default())),
	))}

	resp, err := client.Get("https://api.example.com/jobs")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// server: 503, Should-Retry: false
	// 503
}
