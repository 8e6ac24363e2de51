package retry_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// A step is what one attempt of a scripted operation does: return err, or,
// if err is nil, the value v.
type step struct {
	v   string
	err error
}

func val(v string) step   { return step{v: v} }
func fail(err error) step { return step{err: err} }

// script is an operation that takes steps in turn and counts the calls of
// its result classifier.
type script struct {
	steps    []step
	calls    int
	verdicts int
}

func (s *script) do(context.Context) (string, error) {
	st := s.steps[min(s.calls, len(s.steps)-1)]
	s.calls++
	if st.err != nil {
		return "ignored:" + st.v, st.err // a value beside an error is never returned
	}
	return st.v, nil
}

// judge is the scripts' result classifier: "pending" is not yet, "slow" is
// being throttled, "gone" will never be, anything else is done.
func (s *script) judge(v string) (classify.Class, bool) {
	s.verdicts++
	switch v {
	case "pending":
		return classify.Transient, true
	case "slow":
		return classify.RateLimit, true
	case "gone":
		return classify.Permanent, true
	}
	return 0, false
}

func TestClassifyResult(t *testing.T) {
	zero := retry.Backoff(backoff.Constant(0))
	tests := []struct {
		name     string
		steps    []step
		opts     []retry.Option
		want     string // the value Do returns
		reason   error  // nil: success
		rejected bool   // the *Error's Last is a rejected value
		class    classify.Class
		attempts int
	}{
		{name: "accepted at once", steps: []step{val("done")}, want: "done", attempts: 1},
		{name: "rejected, then an error, then accepted",
			steps: []step{val("pending"), fail(transient), val("done")}, want: "done", attempts: 3},
		{name: "rejected until MaxAttempts: the last value",
			steps: []step{val("pending")}, opts: []retry.Option{retry.MaxAttempts(3)},
			want: "pending", reason: retry.ErrMaxAttempts, rejected: true, class: classify.Transient, attempts: 3},
		{name: "rejected, then an error at MaxAttempts: the last value rejected",
			steps: []step{val("pending"), fail(transient)}, opts: []retry.Option{retry.MaxAttempts(2)},
			want: "pending", reason: retry.ErrMaxAttempts, class: classify.Transient, attempts: 2},
		{name: "only errors: the zero value",
			steps: []step{fail(transient)}, opts: []retry.Option{retry.MaxAttempts(2)},
			want: "", reason: retry.ErrMaxAttempts, class: classify.Transient, attempts: 2},
		{name: "an error, then rejected at MaxAttempts: the last value",
			steps: []step{fail(transient), val("pending")}, opts: []retry.Option{retry.MaxAttempts(2)},
			want: "pending", reason: retry.ErrMaxAttempts, rejected: true, class: classify.Transient, attempts: 2},
		{name: "a Permanent verdict ends the call at once",
			steps: []step{val("pending"), val("gone"), val("done")},
			want:  "gone", reason: retry.ErrPermanent, rejected: true, class: classify.Permanent, attempts: 2},
		{name: "a class's cap counts its rejected values",
			steps: []step{val("slow"), fail(rateLimit), val("slow"), val("done")},
			opts:  []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 3)},
			want:  "slow", reason: retry.ErrMaxClassAttempts, rejected: true, class: classify.RateLimit, attempts: 3},
		{name: "the class's cap counts values and errors alike, other classes apart",
			steps: []step{val("slow"), val("pending"), fail(rateLimit), val("done")},
			opts:  []retry.Option{retry.MaxAttemptsFor(classify.RateLimit, 2)},
			want:  "pending", reason: retry.ErrMaxClassAttempts, class: classify.RateLimit, attempts: 3},
		{name: "the error classifier does not judge values",
			steps: []step{val("pending"), val("done")},
			opts:  []retry.Option{retry.Classifier(classify.Func(func(error) classify.Class { return classify.Permanent }))},
			want:  "done", attempts: 2},
		{name: "a budget pays for retries of values",
			steps: []step{val("pending"), val("pending"), val("done")},
			opts:  []retry.Option{retry.NewBudget(0.0001, 1)},
			want:  "pending", reason: retry.ErrBudgetExhausted, rejected: true, class: classify.Transient, attempts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{steps: tt.steps}
			opts := append([]retry.Option{zero, retry.ClassifyResult(s.judge)}, tt.opts...)
			got, err := retry.Do(t.Context(), s.do, opts...)
			if got != tt.want {
				t.Errorf("Do returned %q; want %q", got, tt.want)
			}
			if s.calls != tt.attempts {
				t.Errorf("%d attempts; want %d", s.calls, tt.attempts)
			}
			values := 0
			for _, st := range tt.steps[:min(tt.attempts, len(tt.steps))] {
				if st.err == nil {
					values++
				}
			}
			values += max(0, tt.attempts-len(tt.steps)) * btoi(tt.steps[len(tt.steps)-1].err == nil)
			if s.verdicts != values {
				t.Errorf("the result classifier ran %d times; want once per value returned: %d", s.verdicts, values)
			}
			if tt.reason == nil {
				if err != nil {
					t.Fatalf("Do = %v; want success", err)
				}
				return
			}
			e := asError(t, err)
			if e.Reason != tt.reason || e.Class != tt.class || e.Attempts != tt.attempts {
				t.Errorf("Error{Reason: %v, Class: %v, Attempts: %d}; want {%v, %v, %d}", e.Reason, e.Class, e.Attempts, tt.reason, tt.class, tt.attempts)
			}
			if got := errors.Is(err, retry.ErrRejected); got != tt.rejected {
				t.Errorf("errors.Is(err, ErrRejected) = %v; want %v (err: %v)", got, tt.rejected, err)
			}
			if !tt.rejected && !errors.Is(err, errReset) && !errors.Is(err, errBusy) {
				t.Errorf("err = %v; want the last attempt's own error reachable", err)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Rejected values wait the backoff of the class they are given, and their
// events say they were values.
func TestClassifyResultBackoffAndEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []step{val("slow"), val("pending"), fail(transient), val("done")}}
		var rec observe.Recorder
		start := time.Now()
		got, err := retry.Do(t.Context(), s.do, noJitter,
			retry.ClassifyResult(s.judge),
			retry.Backoff(backoff.Constant(time.Second)),
			retry.BackoffFor(classify.RateLimit, backoff.Constant(7*time.Second)),
			retry.Subscribe(&rec))
		if err != nil || got != "done" {
			t.Fatalf("Do = %q, %v; want done", got, err)
		}
		if d := time.Since(start); d != 9*time.Second {
			t.Errorf("took %v; want 7s (RateLimit) + 1s + 1s", d)
		}
		var retries []observe.Retry
		for _, e := range rec.Events() {
			if r, ok := e.(observe.Retry); ok {
				retries = append(retries, r)
			}
		}
		type brief struct {
			Class    classify.Class
			Rejected bool
			Delay    time.Duration
		}
		var gotBriefs []brief
		for _, r := range retries {
			gotBriefs = append(gotBriefs, brief{r.Class, r.Rejected, r.Delay})
			if r.Rejected != errors.Is(r.Err, retry.ErrRejected) {
				t.Errorf("Retry %d: Rejected %v, but Err %v", r.Attempt, r.Rejected, r.Err)
			}
			if r.Rejected != observe.InfoOf(r).Rejected {
				t.Errorf("Retry %d: Info.Rejected differs from the event's", r.Attempt)
			}
		}
		want := []brief{{classify.RateLimit, true, 7 * time.Second}, {classify.Transient, true, time.Second}, {classify.Transient, false, time.Second}}
		if diff := cmp.Diff(want, gotBriefs); diff != "" {
			t.Errorf("Retry events (-want +got):\n%s", diff)
		}
	})
}

// A loop nested in the attempt that gave up on values is not retried by the
// loop around it: retries happen at one layer, for values as for errors.
func TestClassifyResultNested(t *testing.T) {
	inner := &script{steps: []step{val("pending")}}
	outerCalls := 0
	zero := retry.Backoff(backoff.Constant(0))
	got, err := retry.Do(t.Context(), func(ctx context.Context) (string, error) {
		outerCalls++
		return retry.Do(ctx, inner.do, zero, retry.ClassifyResult(inner.judge), retry.MaxAttempts(3))
	}, zero, retry.ClassifyResult(inner.judge))
	if outerCalls != 1 || inner.calls != 3 {
		t.Errorf("outer attempts %d, inner %d; want 1 and 3", outerCalls, inner.calls)
	}
	if !errors.Is(err, retry.ErrRejected) || !errors.Is(err, retry.ErrPermanent) {
		t.Errorf("err = %v; want the inner rejection, and the outer call's Permanent", err)
	}
	if got != "" {
		t.Errorf("outer Do returned %q; want the zero value: its attempt failed with an error", got)
	}
}

func TestClassifyResultInvalid(t *testing.T) {
	accept := func(int) (classify.Class, bool) { return 0, false }
	acceptString := func(string) (classify.Class, bool) { return 0, false }
	tests := []struct {
		name string
		opts []retry.Option
		want []string // in the error's text
	}{
		{"another type", []retry.Option{retry.ClassifyResult(acceptString)},
			[]string{"ClassifyResult[string]", "type string", "Do returns int"}},
		{"another type in a bundle", []retry.Option{retry.Options(retry.MaxAttempts(2), retry.ClassifyResult(acceptString))},
			[]string{"ClassifyResult[string]", "Do returns int"}},
		{"Poll of another type", []retry.Option{retry.Poll(func(string) bool { return true }, time.Second, time.Minute)},
			[]string{"Poll[string]", "Do returns int"}},
		{"the last one wins: another type", []retry.Option{retry.ClassifyResult(accept), retry.ClassifyResult(acceptString)},
			[]string{"ClassifyResult[string]"}},
		{"nil func", []retry.Option{retry.ClassifyResult[int](nil)}, []string{"ClassifyResult[int]", "func is nil"}},
		{"nil func in a bundle", []retry.Option{retry.Options(retry.ClassifyResult[int](nil))}, []string{"ClassifyResult[int]", "func is nil"}},
		{"Poll with a nil func", []retry.Option{retry.Poll[int](nil, time.Second, time.Minute)}, []string{"Poll[int]", "func is nil"}},
		{"Poll every 0s", []retry.Option{retry.Poll(func(int) bool { return true }, 0, time.Minute)}, []string{"Poll[int]", "0s", "greater than 0"}},
		{"Poll within -1s", []retry.Option{retry.Poll(func(int) bool { return true }, time.Second, -time.Second)}, []string{"Poll[int]", "-1s", "greater than 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			_, err := retry.Do(t.Context(), func(context.Context) (int, error) { called = true; return 1, nil }, tt.opts...)
			if !errors.Is(err, retry.ErrInvalidOption) || called {
				t.Fatalf("Do = %v, op called %v; want ErrInvalidOption before any attempt", err, called)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// The last one wins: a classifier of the right type after one of another.
	if v, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 7, nil },
		retry.ClassifyResult(acceptString), retry.ClassifyResult(accept)); err != nil || v != 7 {
		t.Errorf("Do = %v, %v; want 7: the last classifier is of the right type", v, err)
	}
	// Run has no value to classify.
	err := retry.Run(t.Context(), func(context.Context) error { t.Error("op called"); return nil }, retry.ClassifyResult(accept))
	if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), "Run") {
		t.Errorf("Run = %v; want ErrInvalidOption that names Run", err)
	}
}

func TestPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type job struct {
			id   int
			done bool
		}
		polls := 0
		get := func(context.Context) (job, error) {
			polls++
			switch {
			case polls == 3:
				return job{}, errMystery // Unknown: retried too, with no cap
			case polls == 4:
				return job{}, errMystery
			case polls == 5:
				return job{}, errMystery
			}
			return job{id: polls, done: polls == 8}, nil
		}
		start := time.Now()
		j, err := retry.Do(t.Context(), get, retry.Poll(func(j job) bool { return j.done }, 2*time.Second, time.Minute), noJitter)
		if err != nil || j.id != 8 {
			t.Fatalf("Do = %+v, %v; want job 8", j, err)
		}
		// noJitter draws 0: Jitter(0.1) takes the tenth off, 1.8s a poll.
		if d := time.Since(start); d != 7*1800*time.Millisecond {
			t.Errorf("7 waits took %v; want 7 × 1.8s", d)
		}

		// Never done: the deadline ends it, with the last answer.
		polls = 100
		start = time.Now()
		j, err = retry.Do(t.Context(), get, retry.Poll(func(j job) bool { return false }, 2*time.Second, time.Minute))
		if !errors.Is(err, retry.ErrDeadline) || !errors.Is(err, retry.ErrRejected) {
			t.Errorf("err = %v; want ErrDeadline after a rejected value", err)
		}
		if j.id == 0 {
			t.Errorf("Do returned the zero job; want the last answer")
		}
		if d := time.Since(start); d > time.Minute {
			t.Errorf("polled for %v; want at most a minute", d)
		}
	})
}
