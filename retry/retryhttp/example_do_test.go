package retryhttp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"

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
