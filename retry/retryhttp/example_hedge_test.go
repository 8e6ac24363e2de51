package retryhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// slowOnce is a RoundTripper that plays a server whose first answer to a
// GET is slow: that request waits until the client gives it up. Every
// other request is answered at once.
type slowOnce struct{ slowDone atomic.Bool }

func (s *slowOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	if r.Method == http.MethodGet && s.slowDone.CompareAndSwap(false, true) {
		<-r.Context().Done()
		fmt.Printf("server: %s %s slow, given up: %v\n", r.Method, r.URL.Path, r.Context().Err())
		return nil, r.Context().Err()
	}
	fmt.Printf("server: %s %s -> 200\n", r.Method, r.URL.Path)
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader("fast")),
		Request:    r,
	}, nil
}

// A Transport with Hedge sends a GET again when it has not answered after
// the delay (here 0, so that the example runs at once; real code waits
// about the 95th percentile of the server's latency), takes the first
// answer and cancels the other attempt. A POST is sent once.
func ExampleHedge() {
	client := &http.Client{Transport: retryhttp.New(&slowOnce{}, retryhttp.Hedge(0, 2))}

	resp, err := client.Get("https://api.example.com/users/42")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	resp, err = client.Post("https://api.example.com/orders", "text/plain", strings.NewReader("one pizza"))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// server: GET /users/42 -> 200
	// server: GET /users/42 slow, given up: context canceled
	// 200 fast
	// server: POST /orders -> 200
	// 200
}

// slowFirst is a RoundTripper that plays a server whose first answer for
// the path slow is slow: that request waits until the client gives it up.
// Every other request is answered at once.
type slowFirst struct {
	slow     string
	slowDone atomic.Bool
}

func (s *slowFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == s.slow && s.slowDone.CompareAndSwap(false, true) {
		<-r.Context().Done()
		fmt.Printf("server: %s %s slow, given up: %v\n", r.Method, r.URL.Path, r.Context().Err())
		return nil, r.Context().Err()
	}
	fmt.Printf("server: %s %s -> 200\n", r.Method, r.URL.Path)
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader("fast")),
		Request:    r,
	}, nil
}

// A Transport with HedgeAdaptive hedges each host at a high quantile of
// its recent latency. Until it has measured MinSamples requests to a host
// (here 3; 20 by default), it hedges at the fallback, the cap: here a
// minute, so that the first requests are not hedged. Once it has, the
// delay is the host's 95th percentile, within the floor (1ms by default)
// and the cap: a request that has not answered by then is sent again.
func ExampleHedgeAdaptive() {
	cfg := retry.LatencyConfig{MinSamples: 3, Cap: time.Minute}
	client := &http.Client{Transport: retryhttp.New(&slowFirst{slow: "/users/42"}, retryhttp.HedgeAdaptive(cfg, 2))}

	get := func(url string) {
		resp, err := client.Get(url)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	for _, id := range []string{"1", "2", "3"} {
		get("https://api.example.com/users/" + id) // measured: fast
	}
	get("https://api.example.com/users/42") // hedged after about 1ms
	// Output:
	// server: GET /users/1 -> 200
	// 200 fast
	// server: GET /users/2 -> 200
	// 200 fast
	// server: GET /users/3 -> 200
	// 200 fast
	// server: GET /users/42 -> 200
	// server: GET /users/42 slow, given up: context canceled
	// 200 fast
}
