package retryhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// The secrets that the tests put in URLs: user info, a query and a
// fragment. None of them may show in an error's text or in an event.
var urlSecrets = []string{"al1ce", "hunt3r2", "s3cr3t", "fr4g"}

// withSecrets returns base, an http URL, with user info, a path, a query
// and a fragment that hold urlSecrets.
func withSecrets(base string) string {
	return strings.Replace(base, "://", "://al1ce:hunt3r2@", 1) + "/users/42?tok=s3cr3t&x=1#fr4g"
}

// checkClean fails the test if s holds one of urlSecrets.
func checkClean(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range urlSecrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds %q: %s", what, secret, s)
			return
		}
	}
}

// checkErrClean checks the text of err as %v, %+v and %s show it.
func checkErrClean(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	checkClean(t, what, fmt.Sprintf("%v | %+v | %s", err, err, err))
}

// checkEventsClean checks every event that rec received, formatted with
// %v and %+v, and the errors they hold.
func checkEventsClean(t *testing.T, rec *observe.Recorder) {
	t.Helper()
	for _, e := range rec.Events() {
		checkClean(t, "event", fmt.Sprintf("%v | %+v", e, e))
		info := observe.InfoOf(e)
		checkErrClean(t, "event Err", info.Err)
		checkErrClean(t, "event Cause", info.Cause)
		if ue, ok := errors.AsType[*url.Error](info.Err); ok {
			checkErrClean(t, "event Err as *url.Error", ue)
		}
	}
}

// closedPort returns the address of a loopback port that nobody listens
// on: a connection to it is refused.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// nextTransport returns an http.Transport of the test's own, closed when
// the test ends.
func nextTransport(t *testing.T) *http.Transport {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// A redactionCase is one way for a request to a URL with secrets to fail.
type redactionCase struct {
	name string
	// setup returns the base URL to call, the RoundTripper under the
	// Transport, and options of the Transport's.
	setup func(t *testing.T) (base string, next http.RoundTripper, opts []retry.Option)
	ctx   func(t *testing.T) context.Context // nil: a background context
	// check checks the error of RoundTrip, or of http.Client.Do, with
	// errors.Is and errors.As.
	check func(t *testing.T, err error)
	// response: RoundTrip returns a response, whose body is read.
	response bool
	// clientFails: an http.Client fails even so.
	clientFails bool
}

func isAll(targets ...error) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		for _, target := range targets {
			if !errors.Is(err, target) {
				t.Errorf("errors.Is(%v, %v) = false; want true", err, target)
			}
		}
	}
}

func asOpError(t *testing.T, err error) {
	t.Helper()
	if _, ok := errors.AsType[*net.OpError](err); !ok {
		t.Errorf("errors.As(%v, *net.OpError) = false; want true", err)
	}
}

func redactionCases() []redactionCase {
	two := []retry.Option{retry.MaxAttempts(2)}
	return []redactionCase{
		{
			name: "refused connection",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				return closedPort(t), nextTransport(t), two
			},
			check: func(t *testing.T, err error) {
				isAll(retry.ErrMaxAttempts)(t, err)
				asOpError(t, err)
			},
		},
		{
			name: "attempt timeout",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				srv := newServer(t, stall)
				return srv.URL, nextTransport(t), []retry.Option{retry.MaxAttempts(2), retry.AttemptTimeout(20 * time.Millisecond)}
			},
			check: isAll(retry.ErrMaxAttempts, context.DeadlineExceeded),
		},
		{
			name: "5xx until the attempts run out",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				srv := newServer(t, status(503, "Retry-After: 0"))
				return srv.URL, nextTransport(t), two
			},
			response: true,
		},
		{
			name: "body cut after the response",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				srv := newServer(t, hijack("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"))
				return srv.URL, nextTransport(t), two
			},
			response: true,
		},
		{
			name: "redirect to a URL with secrets that refuses the connection",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				closed := closedPort(t)
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					http.Redirect(w, r, withSecrets(closed), http.StatusFound)
				})
				return srv.URL, nextTransport(t), two
			},
			check: func(t *testing.T, err error) {
				isAll(retry.ErrMaxAttempts)(t, err)
				asOpError(t, err)
			},
			response:    true, // the Transport's, to the first request
			clientFails: true,
		},
		{
			name: "RoundTripper below wraps a *url.Error",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				// A RoundTripper that forwards through an http.Client of
				// its own, whose errors hold the URL.
				inner := &http.Client{Transport: nextTransport(t)}
				next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					resp, err := inner.Do(r)
					if err != nil {
						return nil, fmt.Errorf("forward: %w", err)
					}
					return resp, nil
				})
				return closedPort(t), next, two
			},
			check: func(t *testing.T, err error) {
				isAll(retry.ErrMaxAttempts)(t, err)
				asOpError(t, err)
				ue, ok := errors.AsType[*url.Error](err)
				if !ok {
					t.Fatalf("errors.As(%v, *url.Error) = false; want true", err)
				}
				checkErrClean(t, "*url.Error found by errors.As", ue)
				if !strings.HasSuffix(ue.URL, "/users/42") {
					t.Errorf("*url.Error URL = %q; want the URL up to its path", ue.URL)
				}
				if _, ok := errors.AsType[*net.OpError](ue); !ok {
					t.Errorf("the *url.Error found by errors.As does not hold the *net.OpError")
				}
			},
		},
		{
			name: "RoundTripper below writes the URL in its error",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				inner := nextTransport(t)
				next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					resp, err := inner.RoundTrip(r)
					if err != nil {
						// r.URL.String() holds the password in clear.
						return nil, fmt.Errorf("fetching %s (%s, query %s, fragment %s): %w",
							r.URL, r.URL.RequestURI(), r.URL.RawQuery, r.URL.Fragment, err)
					}
					return resp, nil
				})
				return closedPort(t), next, two
			},
			check: func(t *testing.T, err error) {
				isAll(retry.ErrMaxAttempts)(t, err)
				asOpError(t, err)
			},
		},
		{
			name: "context cancelled in an attempt",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				srv := newServer(t, stall)
				return srv.URL, nextTransport(t), two
			},
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				time.AfterFunc(20*time.Millisecond, cancel)
				return ctx
			},
			check: isAll(retry.ErrCancelled, context.Canceled),
		},
		{
			name: "context deadline in an attempt",
			setup: func(t *testing.T) (string, http.RoundTripper, []retry.Option) {
				srv := newServer(t, stall)
				return srv.URL, nextTransport(t), two
			},
			ctx: func(t *testing.T) context.Context {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				t.Cleanup(cancel)
				return ctx
			},
			check: isAll(retry.ErrDeadline, context.DeadlineExceeded),
		},
	}
}

func TestRedactionOnEveryPath(t *testing.T) {
	for _, tc := range redactionCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			base, next, opts := tc.setup(t)
			var rec observe.Recorder
			tr := retryhttp.New(next, fast, retryhttp.Retry(append(opts, retry.Subscribe(&rec))...))
			newCtx := func() context.Context {
				if tc.ctx == nil {
					return context.Background()
				}
				return tc.ctx(t)
			}

			// RoundTrip itself.
			req, err := http.NewRequestWithContext(newCtx(), "GET", withSecrets(base), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			switch {
			case tc.response && err != nil:
				t.Fatalf("RoundTrip error = %v; want a response", err)
			case tc.response:
				_, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				checkErrClean(t, "body error", err)
			case err == nil:
				resp.Body.Close()
				t.Fatal("RoundTrip succeeded; want an error")
			default:
				checkErrClean(t, "RoundTrip error", err)
				tc.check(t, err)
			}
			checkEventsClean(t, &rec)

			// Through an http.Client, whose *url.Error holds the URL:
			// Redact cuts it out, at the top or wrapped.
			rec.Reset()
			client := &http.Client{Transport: tr}
			req, _ = http.NewRequestWithContext(newCtx(), "GET", withSecrets(base), nil)
			resp, err = client.Do(req)
			if tc.response && !tc.clientFails {
				if err != nil {
					t.Fatalf("Do error = %v; want a response", err)
				}
				_, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				checkErrClean(t, "body error", err)
				checkEventsClean(t, &rec)
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatal("Do succeeded; want an error")
			}
			checkEventsClean(t, &rec)
			for _, red := range []error{retryhttp.Redact(err), retryhttp.Redact(fmt.Errorf("load user: %w", err))} {
				checkErrClean(t, "Redact(error)", red)
				tc.check(t, red)
				ue, ok := errors.AsType[*url.Error](red)
				if !ok {
					t.Fatalf("errors.As(Redact(%v), *url.Error) = false; want true", err)
				}
				checkErrClean(t, "*url.Error of Redact", ue)
				if orig := err.(*url.Error); ue.Timeout() != orig.Timeout() {
					t.Errorf("Timeout() of the *url.Error of Redact = %v; want %v", ue.Timeout(), orig.Timeout())
				}
			}
		})
	}
}
