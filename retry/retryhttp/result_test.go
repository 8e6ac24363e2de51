package retryhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retryhttp"
)

// job is what the result tests' servers send, as JSON: a job's status, and
// the number of the request that got it.
type job struct {
	Status string `json:"status"`
	N      int    `json:"n"`
}

// jobStatus answers 200 with a job of status s as JSON, and s in the
// header X-Job-Status too.
func jobStatus(s string) step {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Job-Status", s)
		io.WriteString(w, jobJSON(s, n))
	}
}

func jobJSON(s string, n int) string { return fmt.Sprintf(`{"status":%q,"n":%d}`, s, n) }

func decodeJob(resp *http.Response) (job, error) {
	var j job
	err := json.NewDecoder(resp.Body).Decode(&j)
	return j, err
}

// The response classifiers of the tests: each rejects a job that is
// pending as Transient, one by its body, which it reads with ReadBody, the
// other by its header alone, leaving the body unread.
var resultClassifiers = []struct {
	name string
	opt  retry.Option
}{
	{"by the body", retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
		b, err := retryhttp.ReadBody(resp)
		if err != nil {
			return classify.Transient, true
		}
		var j job
		if err := json.Unmarshal(b, &j); err != nil {
			return classify.Permanent, true
		}
		return classify.Transient, j.Status == "pending"
	})},
	{"by the header", retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
		return classify.Transient, resp.Header.Get("X-Job-Status") == "pending"
	})},
}

// resultEvent is an event as the result tests compare it.
type resultEvent struct {
	Kind     string
	Attempt  int
	Class    classify.Class
	Err      string
	Rejected bool
}

// resultEvents flattens what rec recorded. It reads Rejected from the
// event itself: observe.InfoOf drops it from the events that end a call,
// but for BudgetExhausted, DeadlineExceeded and Cancelled.
func resultEvents(rec *observe.Recorder) []resultEvent {
	var out []resultEvent
	for _, e := range rec.Events() {
		i := observe.InfoOf(e)
		rejected := reflect.ValueOf(e).FieldByName("Rejected")
		out = append(out, resultEvent{e.Kind().String(), i.Attempt, i.Class, errText(i.Err), rejected.IsValid() && rejected.Bool()})
	}
	return out
}

func TestRejectedResponseIsRetriedOnItsConnection(t *testing.T) {
	for _, rc := range resultClassifiers {
		t.Run(rc.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, jobStatus("pending"), jobStatus("pending"), jobStatus("done"))
			var rec observe.Recorder
			tr := newTransport(t, retryhttp.Retry(rc.opt, retry.Subscribe(&rec)))
			code, body, err := do(t, tr, "GET", srv.URL, "")
			if code != 200 || body != jobJSON("done", 3) || err != nil {
				t.Errorf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, jobJSON("done", 3))
			}
			if n, c := srv.requests.Load(), srv.conns.Load(); n != 3 || c != 1 {
				t.Errorf("%d requests on %d connections; want 3 on 1", n, c)
			}
			want := []resultEvent{
				{Kind: "retry", Attempt: 1, Class: classify.Transient, Err: "retry: result rejected (Transient)", Rejected: true},
				{Kind: "retry", Attempt: 2, Class: classify.Transient, Err: "retry: result rejected (Transient)", Rejected: true},
				{Kind: "success", Attempt: 3},
			}
			if diff := cmp.Diff(want, resultEvents(&rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRejectedResponseReturnedOnGivingUp(t *testing.T) {
	for _, rc := range resultClassifiers {
		for _, tt := range []struct {
			name     string
			opts     []retryhttp.Option
			method   string
			key      string // an Idempotency-Key, if not ""
			requests int32
			last     string // the kind of the last event
		}{
			{"attempts spent", []retryhttp.Option{retryhttp.Retry(retry.MaxAttempts(3))}, "GET", "", 3, "max_attempts_exceeded"},
			{"budget refused", []retryhttp.Option{retryhttp.Budget(retry.NewBudget(0, 1))}, "GET", "", 2, "budget_exhausted"},
			{"class capped", []retryhttp.Option{retryhttp.Retry(retry.MaxAttemptsFor(classify.Transient, 2))}, "GET", "", 2, "max_class_attempts_exceeded"},
			{"not idempotent", nil, "POST", "", 1, "max_attempts_exceeded"},
			{"not idempotent, with a key", []retryhttp.Option{retryhttp.Retry(retry.MaxAttempts(3))}, "POST", "k1", 3, "max_attempts_exceeded"},
		} {
			t.Run(rc.name+"/"+tt.name, func(t *testing.T) {
				checkLeaks(t)
				srv := newServer(t, jobStatus("pending"))
				var rec observe.Recorder
				opts := append([]retryhttp.Option{retryhttp.Retry(rc.opt, retry.Subscribe(&rec))}, tt.opts...)
				tr := newTransport(t, opts...)
				req, _ := http.NewRequest(tt.method, srv.URL, strings.NewReader("order"))
				if tt.key != "" {
					req.Header.Set("Idempotency-Key", tt.key)
				}
				code, body, err := send(tr, req)
				want := jobJSON("pending", int(tt.requests))
				if code != 200 || body != want || err != nil {
					t.Errorf("RoundTrip = %d %q, %v; want 200 %q, nil", code, body, err, want)
				}
				if n, c := srv.requests.Load(), srv.conns.Load(); n != tt.requests || c != 1 {
					t.Errorf("%d requests on %d connections; want %d on 1", n, c, tt.requests)
				}
				got := resultEvents(&rec)
				if len(got) != int(tt.requests) || got[len(got)-1].Kind != tt.last {
					t.Fatalf("events = %v; want %d, the last %s", got, tt.requests, tt.last)
				}
				for _, e := range got {
					if !e.Rejected || e.Class != classify.Transient {
						t.Errorf("event %v: want Rejected, Transient", e)
					}
				}
			})
		}
	}
}

func TestRejectedResponseAfterAFailingOne(t *testing.T) {
	// A 503, a pending job, a 503: the Transport returns the last
	// response, whichever way it failed.
	checkLeaks(t)
	srv := newServer(t, status(503), jobStatus("pending"), status(503), jobStatus("done"))
	tr := newTransport(t, retryhttp.Retry(resultClassifiers[0].opt, retry.MaxAttempts(3)))
	code, body, err := do(t, tr, "GET", srv.URL, "")
	if code != 503 || body != bodyOf(503, 3) || err != nil {
		t.Errorf("RoundTrip = %d %q, %v; want 503 %q, nil", code, body, err, bodyOf(503, 3))
	}
	if n, c := srv.requests.Load(), srv.conns.Load(); n != 3 || c != 1 {
		t.Errorf("%d requests on %d connections; want 3 on 1", n, c)
	}
}

func TestPermanentResultIsNotRetried(t *testing.T) {
	checkLeaks(t)
	srv := newServer(t, jobStatus("failed"))
	failed := retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
		return classify.Permanent, resp.Header.Get("X-Job-Status") == "failed"
	})
	tr := newTransport(t, retryhttp.Retry(failed))
	code, body, err := do(t, tr, "GET", srv.URL, "")
	if code != 200 || body != jobJSON("failed", 1) || err != nil || srv.requests.Load() != 1 {
		t.Errorf("RoundTrip = %d %q, %v after %d requests; want 200 %q, nil after 1",
			code, body, err, srv.requests.Load(), jobJSON("failed", 1))
	}
}

func TestPanicInResultClassifierClosesTheResponse(t *testing.T) {
	// The tracked transport fails the test if the response that the
	// classifier panicked on keeps its connection open.
	checkLeaks(t)
	srv := newServer(t, jobStatus("pending"))
	calls := 0
	boom := retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
		if calls++; calls == 2 {
			panic("boom")
		}
		return classify.Transient, true
	})
	tr := newTransport(t, retryhttp.Retry(boom))
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v; want boom", r)
			}
		}()
		do(t, tr, "GET", srv.URL, "")
	}()
	if n, c := srv.requests.Load(), srv.conns.Load(); n != 2 || c != 1 {
		t.Errorf("%d requests on %d connections; want 2 on 1", n, c)
	}
}

func TestCancelledAfterARejectedResponse(t *testing.T) {
	// The caller's context ends in the wait after a rejected response:
	// RoundTrip fails, and the response it will not return is closed (the
	// tracked transport checks it), whether the classifier read it or not.
	for _, rc := range resultClassifiers {
		t.Run(rc.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, jobStatus("pending"))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tr := newTransport(t, retryhttp.Retry(rc.opt, retry.Subscribe(observe.Func(func(observe.Retry) { cancel() }))))
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			resp, err := tr.RoundTrip(req)
			if resp != nil || !errors.Is(err, retry.ErrCancelled) || !errors.Is(err, retry.ErrRejected) {
				t.Errorf("RoundTrip = %v, %v; want nil, ErrCancelled with ErrRejected", resp, err)
			}
			if n := srv.requests.Load(); n != 1 {
				t.Errorf("%d requests; want 1", n)
			}
		})
	}
}

func TestConcurrentRejectedResponses(t *testing.T) {
	// Requests for 8 jobs at once through one Transport: each job is
	// pending at its first request and done at its second.
	checkLeaks(t)
	var mu sync.Mutex
	seen := map[string]int{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		seen[r.URL.Path]++
		n := seen[r.URL.Path]
		mu.Unlock()
		s := "pending"
		if n > 1 {
			s = "done"
		}
		jobStatus(s)(w, r, n)
	})
	for _, rc := range resultClassifiers {
		t.Run(rc.name, func(t *testing.T) {
			tr := newTransport(t, retryhttp.Retry(rc.opt))
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					code, body, err := do(t, tr, "GET", srv.URL+"/"+rc.name+"/"+strconv.Itoa(i), "")
					if code != 200 || body != jobJSON("done", 2) || err != nil {
						t.Errorf("job %d: RoundTrip = %d %q, %v; want 200 %q, nil", i, code, body, err, jobJSON("done", 2))
					}
				})
			}
			wg.Wait()
		})
	}
	if n := srv.requests.Load(); n != 32 {
		t.Errorf("%d requests; want 32", n)
	}
}

func TestDoClassifiesDecodedValues(t *testing.T) {
	pending := retry.ClassifyResult(func(j job) (classify.Class, bool) {
		return classify.Transient, j.Status == "pending"
	})
	t.Run("retried until done", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, jobStatus("pending"), jobStatus("pending"), jobStatus("done"))
		var rec observe.Recorder
		req, _ := http.NewRequest("GET", srv.URL, nil)
		got, err := retryhttp.Do(newClient(t), req, decodeJob, pending, fastRetry, retry.Subscribe(&rec))
		if want := (job{"done", 3}); got != want || err != nil {
			t.Errorf("Do = %v, %v; want %v, nil", got, err, want)
		}
		if n, c := srv.requests.Load(), srv.conns.Load(); n != 3 || c != 1 {
			t.Errorf("%d requests on %d connections; want 3 on 1", n, c)
		}
		want := []resultEvent{
			{Kind: "retry", Attempt: 1, Class: classify.Transient, Err: "retry: result rejected (Transient)", Rejected: true},
			{Kind: "retry", Attempt: 2, Class: classify.Transient, Err: "retry: result rejected (Transient)", Rejected: true},
			{Kind: "success", Attempt: 3},
		}
		if diff := cmp.Diff(want, resultEvents(&rec)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
	t.Run("the last value on giving up", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, jobStatus("pending"))
		req, _ := http.NewRequest("GET", srv.URL, nil)
		got, err := retryhttp.Do(newClient(t), req, decodeJob, pending, fastRetry, retry.MaxAttempts(2))
		var rerr *retry.Error
		if want := (job{"pending", 2}); got != want || !errors.Is(err, retry.ErrRejected) ||
			!errors.As(err, &rerr) || rerr.Class != classify.Transient {
			t.Errorf("Do = %v, %v; want %v, an *Error matching ErrRejected, Transient", got, err, want)
		}
	})
	t.Run("not idempotent", func(t *testing.T) {
		checkLeaks(t)
		srv := newServer(t, jobStatus("pending"))
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader("x"))
		got, err := retryhttp.Do(newClient(t), req, decodeJob, pending, fastRetry)
		if want := (job{"pending", 1}); got != want || !errors.Is(err, retry.ErrRejected) || srv.requests.Load() != 1 {
			t.Errorf("Do = %v, %v after %d requests; want %v, ErrRejected after 1", got, err, srv.requests.Load(), want)
		}
	})
}

func TestDoThroughATransportWithAResponseClassifier(t *testing.T) {
	// The Transport's response classifier is for the responses it returns;
	// Do, whose values are decode's, leaves it out, and takes one for them.
	for _, rc := range resultClassifiers {
		t.Run(rc.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newServer(t, jobStatus("pending"), jobStatus("done"))
			client := &http.Client{Transport: newTransport(t, retryhttp.Retry(rc.opt))}
			req, _ := http.NewRequest("GET", srv.URL, nil)
			got, err := retryhttp.Do(client, req, decodeJob)
			if want := (job{"pending", 1}); got != want || err != nil {
				t.Errorf("Do = %v, %v; want %v, nil", got, err, want)
			}
			pending := retry.ClassifyResult(func(j job) (classify.Class, bool) {
				return classify.Transient, j.Status == "pending"
			})
			req, _ = http.NewRequest("GET", srv.URL, nil)
			got, err = retryhttp.Do(client, req, decodeJob, pending)
			if want := (job{"done", 2}); got != want || err != nil {
				t.Errorf("Do(ClassifyResult[job]) = %v, %v; want %v, nil", got, err, want)
			}
		})
	}
}

func TestReadBody(t *testing.T) {
	cut := errors.New("cut")
	tests := []struct {
		name    string
		body    io.ReadCloser
		want    string
		wantErr error
	}{
		{"nil", nil, "", nil},
		{"no body", http.NoBody, "", nil},
		{"empty", io.NopCloser(strings.NewReader("")), "", nil},
		{"whole", io.NopCloser(strings.NewReader("try again")), "try again", nil},
		{"cut", io.NopCloser(io.MultiReader(strings.NewReader("try"), errReader{cut})), "try", cut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Body: tt.body}
			for i := range 2 { // the second reads what the first left
				b, err := retryhttp.ReadBody(resp)
				if string(b) != tt.want || err != tt.wantErr {
					t.Errorf("ReadBody #%d = %q, %v; want %q, %v", i+1, b, err, tt.want, tt.wantErr)
				}
			}
			if tt.body == nil || tt.body == http.NoBody {
				if resp.Body != tt.body {
					t.Errorf("body = %v; want it left as it was", resp.Body)
				}
				return
			}
			b, err := io.ReadAll(resp.Body)
			if string(b) != tt.want || err != tt.wantErr {
				t.Errorf("then the body reads %q, %v; want %q, %v", b, err, tt.want, tt.wantErr)
			}
		})
	}
	t.Run("closes the body", func(t *testing.T) {
		body := newBody("done")
		retryhttp.ReadBody(&http.Response{Body: body})
		if !body.closed.Load() {
			t.Error("ReadBody left the body open")
		}
	})
	t.Run("nil response", func(t *testing.T) {
		if b, err := retryhttp.ReadBody(nil); b != nil || err != nil {
			t.Errorf("ReadBody(nil) = %q, %v; want nil, nil", b, err)
		}
	})
}

// errReader is a reader that fails with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
