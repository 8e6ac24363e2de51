package recipes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// Recipe: polling, and answers that say "not yet".

// Export is an export of an account's data, made in the background by the
// exports service, as the service reports it.
type Export struct {
	ID     string `json:"id"`
	Status string `json:"status"` // "running", "throttled", "done" or "failed"
	URL    string `json:"url"`    // where to download it, once done
	Reason string `json:"reason"` // why it failed
}

// Done reports whether the export is ready to download.
func (e Export) Done() bool { return e.Status == "done" }

// StatusError is the error of a response whose status is not 200. The
// default classifier reads its status: a 503 is retried, a 404 is not.
type StatusError struct{ Code int }

func (e *StatusError) Error() string   { return "exports: status " + strconv.Itoa(e.Code) }
func (e *StatusError) StatusCode() int { return e.Code }

// ExportsClient is a client of the exports service. Its http.Client does
// not retry: the loops of this recipe do, at one layer.
type ExportsClient struct {
	baseURL string
	http    *http.Client
}

// Get asks for the state of an export, once. A 200 says how the export is
// doing: it is an answer, whatever its status, and not an error.
func (c *ExportsClient) Get(ctx context.Context, id string) (Export, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/exports/"+id, nil)
	if err != nil {
		return Export{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Export{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Export{}, &StatusError{Code: resp.StatusCode}
	}
	var e Export
	err = json.NewDecoder(resp.Body).Decode(&e)
	return e, err
}

// Wait polls the export every 2 seconds until it is done, for at most 2
// minutes.
func (c *ExportsClient) Wait(ctx context.Context, id string) (Export, error) {
	return retry.Do(ctx, func(ctx context.Context) (Export, error) {
		return c.Get(ctx, id)
	}, retry.Poll(Export.Done, 2*time.Second, 2*time.Minute))
}

// Quote is a price that the pricing service quotes. When it is busy, it
// answers 200 with {"status": "busy"} and no price: ask again later.
type Quote struct {
	Status string `json:"status"` // "ok" or "busy"
	Price  int64  `json:"price"`
}

// quoteBusy rejects a quote that says "busy": the call is retried as for a
// Transient error, with the call's backoff and within its caps.
var quoteBusy = retry.ClassifyResult(func(q Quote) (classify.Class, bool) {
	return classify.Transient, q.Status == "busy"
})

// Quote asks for the price of a product, again while the service says it is
// busy, within the default limits: 6 attempts, and no retry later than 60
// seconds after the first failure.
func (c *ExportsClient) Quote(ctx context.Context, product string) (Quote, error) {
	return retry.Do(ctx, func(ctx context.Context) (Quote, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/quotes/"+product, nil)
		if err != nil {
			return Quote{}, err
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return Quote{}, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return Quote{}, &StatusError{Code: resp.StatusCode}
		}
		var q Quote
		err = json.NewDecoder(resp.Body).Decode(&q)
		return q, err
	}, quoteBusy)
}

// exportState classifies what the service says of an export: running is
// "not yet", failed is final, and throttled means that the service asks
// its clients to slow down.
func exportState(e Export) (classify.Class, bool) {
	switch e.Status {
	case "running":
		return classify.Transient, true // not yet: ask again
	case "throttled":
		return classify.RateLimit, true // ask again, later
	case "failed":
		return classify.Permanent, true // it never will be done: stop
	}
	return 0, false // done
}

// exportPolling polls an export every 2 seconds, for at most 2 minutes,
// until it is done or failed. When the service says that it is throttled,
// it waits from 5 to 30 seconds, and gives up at the third time.
var exportPolling = retry.Options(
	retry.Name("exports.wait"),
	retry.Poll(Export.Done, 2*time.Second, 2*time.Minute),
	retry.ClassifyResult(exportState), // after Poll: replaces Poll's "done"
	retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(5*time.Second, 30*time.Second)),
	retry.MaxAttemptsFor(classify.RateLimit, 3),
)

// WaitReady polls the export until it is done or failed, and says what
// became of it.
func (c *ExportsClient) WaitReady(ctx context.Context, id string) (string, error) {
	export, err := retry.Do(ctx, func(ctx context.Context) (Export, error) {
		return c.Get(ctx, id)
	}, exportPolling)
	switch {
	case err == nil:
		return "ready at " + export.URL, nil
	case errors.Is(err, retry.ErrRejected) && export.Status == "failed":
		return "", fmt.Errorf("export %s failed: %s", id, export.Reason)
	case errors.Is(err, retry.ErrRejected):
		// Not done in time, or throttled too often: export is the last
		// answer, and err says which.
		return "", fmt.Errorf("export %s still %s: %w", id, export.Status, err)
	default:
		// The last attempt failed with an error: export is the last
		// answer, if one came, else the zero Export.
		return "", fmt.Errorf("export %s: %w", id, err)
	}
}

// scripted is an http.RoundTripper that plays the exports service without
// a network: it answers the n-th request with the n-th of its answers, the
// last one repeated: a status code and, for a 200, a JSON body, or "hang"
// for no answer until the request's context ends. It records
// when each request came, on the clock of the synctest bubble.
type scripted struct {
	mu      sync.Mutex
	start   time.Time
	answers []string // "200 {...}" or "503"
	at      []time.Duration
}

func newScripted(answers ...string) *scripted {
	return &scripted{start: time.Now(), answers: answers}
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.at = append(s.at, time.Since(s.start))
	if len(s.at) > 1000 {
		return nil, errors.New("scripted: a loop that never ends")
	}
	code, body, _ := strings.Cut(s.answers[min(len(s.at), len(s.answers))-1], " ")
	if code == "hang" {
		// A server that does not answer, until the request's context ends.
		s.mu.Unlock()
		defer s.mu.Lock()
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	status, err := strconv.Atoi(code)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: status,
		Status:     code + " " + http.StatusText(status),
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    r,
	}, nil
}

func (s *scripted) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.at)
}

// gaps returns the time between each request and the one before.
func (s *scripted) gaps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(s.at); i++ {
		gaps = append(gaps, s.at[i]-s.at[i-1])
	}
	return gaps
}

func newExportsClient(server *scripted) *ExportsClient {
	return &ExportsClient{baseURL: "https://exports.example", http: &http.Client{Transport: server}}
}

const (
	running   = `200 {"id":"e-1","status":"running"}`
	throttled = `200 {"id":"e-1","status":"throttled"}`
	done      = `200 {"id":"e-1","status":"done","url":"https://exports.example/e-1.zip"}`
	failed    = `200 {"id":"e-1","status":"failed","reason":"account closed"}`
)

func TestWaitPollsUntilDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newScripted(running, running, "503", running, done)
		client := newExportsClient(server)

		export, err := client.Wait(t.Context(), "e-1")
		if err != nil || export.URL != "https://exports.example/e-1.zip" {
			t.Fatalf("Wait = %+v, %v; want the export done", export, err)
		}
		if got := server.requests(); got != 5 {
			t.Errorf("the server got %d requests; want 5, the 503 retried", got)
		}
		for i, gap := range server.gaps() {
			if gap < 1800*time.Millisecond || gap > 2*time.Second {
				t.Errorf("wait %d = %v; want 2s less up to a tenth", i+1, gap)
			}
		}
	})
}

func TestWaitGivesUpWithTheLastAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newScripted(running)
		client := newExportsClient(server)
		start := time.Now()

		export, err := client.Wait(t.Context(), "e-1")
		if export.Status != "running" {
			t.Errorf("Wait = %+v; want the last answer, running", export)
		}
		if !errors.Is(err, retry.ErrDeadline) || !errors.Is(err, retry.ErrRejected) {
			t.Errorf("Wait = %v; want ErrDeadline after a rejected answer", err)
		}
		if took := time.Since(start); took > 2*time.Minute {
			t.Errorf("Wait took %v; want at most 2m", took)
		}
		if n := server.requests(); n < 60 || n > 67 {
			t.Errorf("the server got %d requests; want one every 1.8 to 2s for 2m", n)
		}
	})
}

func TestWaitCutShortKeepsTheLastAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newScripted(running, "hang")
		client := newExportsClient(server)
		start := time.Now()

		export, err := client.Wait(t.Context(), "e-1")
		var rerr *retry.Error
		if !errors.As(err, &rerr) || rerr.Reason != retry.ErrDeadline || !errors.Is(rerr.Last, context.DeadlineExceeded) || errors.Is(err, retry.ErrRejected) {
			t.Errorf("Wait = %v; want ErrDeadline after a request cut short", err)
		}
		if export.Status != "running" {
			t.Errorf("Wait = %+v; want the last answer, running", export)
		}
		if took := time.Since(start); took != 2*time.Minute {
			t.Errorf("Wait took %v; want 2m, when the deadline cut the request", took)
		}
	})
}

func TestWaitDoesNotRetryNotFound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newScripted("404")
		client := newExportsClient(server)

		export, err := client.Wait(t.Context(), "e-1")
		var serr *StatusError
		if !errors.As(err, &serr) || serr.Code != 404 || !errors.Is(err, retry.ErrPermanent) || errors.Is(err, retry.ErrRejected) {
			t.Errorf("Wait = %v; want the 404, Permanent", err)
		}
		if export != (Export{}) {
			t.Errorf("Wait = %+v; want the zero Export after an error", export)
		}
		if got := server.requests(); got != 1 {
			t.Errorf("the server got %d requests; want 1", got)
		}
	})
}

func TestQuoteRetriesBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newScripted(`200 {"status":"busy"}`, `200 {"status":"busy"}`, `200 {"status":"ok","price":1200}`)
		client := newExportsClient(server)

		q, err := client.Quote(t.Context(), "p-1")
		if err != nil || q.Price != 1200 {
			t.Fatalf("Quote = %+v, %v; want the price", q, err)
		}
		if got := server.requests(); got != 3 {
			t.Errorf("the server got %d requests; want 3", got)
		}
	})
}

func TestQuoteGivesUpAfterSixBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		server := newScripted(`200 {"status":"busy"}`)
		client := newExportsClient(server)

		q, err := client.Quote(t.Context(), "p-1")
		if q.Status != "busy" || !errors.Is(err, retry.ErrMaxAttempts) || !errors.Is(err, retry.ErrRejected) {
			t.Errorf("Quote = %+v, %v; want the last answer, busy, and ErrMaxAttempts", q, err)
		}
		if got := server.requests(); got != 6 {
			t.Errorf("the server got %d requests; want 6, the default cap", got)
		}
	})
}

func TestQuoteBusyIsForQuotesOnly(t *testing.T) {
	calls := 0
	_, err := retry.Do(t.Context(), func(ctx context.Context) (Export, error) {
		calls++
		return Export{}, nil
	}, quoteBusy)
	if !errors.Is(err, retry.ErrInvalidOption) || calls != 0 ||
		!strings.Contains(err.Error(), "recipes.Quote") || !strings.Contains(err.Error(), "recipes.Export") {
		t.Errorf("Do = %v after %d calls; want ErrInvalidOption naming both types, and no call", err, calls)
	}
}

func TestWaitReady(t *testing.T) {
	tests := []struct {
		name     string
		answers  []string
		want     string // the result, or the error's text
		requests int
	}{
		{"done", []string{running, running, done}, "ready at https://exports.example/e-1.zip", 3},
		{"failed stops at once", []string{running, failed}, "export e-1 failed: account closed", 2},
		{"throttled, then done", []string{running, throttled, running, done}, "ready at https://exports.example/e-1.zip", 4},
		{"throttled a third time gives up", []string{running, throttled, throttled, running, throttled}, "export e-1 still throttled: " +
			"retry: max attempts for class reached after 5 attempts: retry: result rejected (RateLimit)", 5},
		{"not found", []string{"404"}, "export e-1: retry: permanent error after 1 attempt: exports: status 404", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				server := newScripted(tt.answers...)
				client := newExportsClient(server)

				got, err := client.WaitReady(t.Context(), "e-1")
				if err != nil {
					got = err.Error()
				}
				if got != tt.want {
					t.Errorf("WaitReady = %q; want %q", got, tt.want)
				}
				if n := server.requests(); n != tt.requests {
					t.Errorf("the server got %d requests; want %d", n, tt.requests)
				}
			})
		})
	}
}

func TestWaitReadyBacksOffWhenThrottled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		server := newScripted(running, throttled, running, done)
		client := newExportsClient(server)
		ctx := t.Context()

		export, err := retry.Do(ctx, func(ctx context.Context) (Export, error) {
			return client.Get(ctx, "e-1")
		}, exportPolling, retry.Subscribe(&rec))
		if err != nil || !export.Done() {
			t.Fatalf("Do = %+v, %v; want the export done", export, err)
		}
		gaps := server.gaps()
		if len(gaps) != 3 || gaps[0] > 2*time.Second || gaps[1] < 5*time.Second || gaps[1] > 30*time.Second || gaps[2] > 2*time.Second {
			t.Errorf("waits %v; want 2s, 5 to 30s after throttled, 2s", gaps)
		}
		var classes []string
		for _, e := range rec.Events() {
			if r, ok := e.(observe.Retry); ok {
				if !r.Rejected || !errors.Is(r.Err, retry.ErrRejected) || r.Operation != "exports.wait" {
					t.Errorf("event %+v; want a rejected answer of exports.wait", r)
				}
				classes = append(classes, r.Class.String())
			}
		}
		if got := strings.Join(classes, " "); got != "Transient RateLimit Transient" {
			t.Errorf("Retry events of classes %q; want Transient RateLimit Transient", got)
		}
	})
}
