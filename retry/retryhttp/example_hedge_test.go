package retryhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

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
