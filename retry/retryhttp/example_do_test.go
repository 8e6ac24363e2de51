package retryhttp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

func ExampleDo() {
	// A server on loopback whose first answer is cut in the middle of its
	// body, as a proxy that drops connections would cut it.
	const user = `{"id":42,"name":"Ada"}`
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(user), user[:10])
			buf.Flush()
			conn.Close()
			return
		}
		io.WriteString(w, user)
	}))
	defer srv.Close()

	type User struct {
		ID   int
		Name string
	}
	decode := func(resp *http.Response) (User, error) {
		var u User
		err := json.NewDecoder(resp.Body).Decode(&u)
		return u, err
	}
	logRetries := observe.Func(func(e observe.Retry) {
		fmt.Printf("attempt %d: %v, body cut short: %v\n", e.Attempt, e.Class, errors.Is(e.Err, io.ErrUnexpectedEOF))
	})

	req, _ := http.NewRequest("GET", srv.URL+"/users/42", nil)
	u, err := retryhttp.Do(srv.Client(), req, decode, noWait, retry.Subscribe(logRetries))
	fmt.Printf("%+v %v\n", u, err)
	// Output:
	// attempt 1: Transient, body cut short: true
	// {ID:42 Name:Ada} <nil>
}

func ExampleDo_poll() {
	// A job that the server reports as pending twice, then done.
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) < 3 {
			io.WriteString(w, `{"status":"pending"}`)
			return
		}
		io.WriteString(w, `{"status":"done","result":42}`)
	}))
	defer srv.Close()

	type Job struct {
		Status string
		Result int
	}
	decode := func(resp *http.Response) (Job, error) {
		var j Job
		err := json.NewDecoder(resp.Body).Decode(&j)
		return j, err
	}
	done := func(j Job) bool { return j.Status == "done" }

	// Poll every 2 seconds, for at most a minute (noWait makes the example
	// run at once: real code leaves it out).
	req, _ := http.NewRequest("GET", srv.URL+"/jobs/7", nil)
	job, err := retryhttp.Do(srv.Client(), req, decode, retry.Poll(done, 2*time.Second, time.Minute), noWait)
	fmt.Printf("%+v %v after %d requests\n", job, err, requests.Load())
	// Output:
	// {Status:done Result:42} <nil> after 3 requests
}
