package observe_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/reflexio-go/reflexio/observe"
)

func TestRecorderZeroValueIsEmptyAndUsable(t *testing.T) {
	var r observe.Recorder
	if got := r.Events(); got != nil {
		t.Errorf("Events() of the zero Recorder = %v; want nil", got)
	}
	for _, k := range kinds {
		if n := r.Count(k); n != 0 {
			t.Errorf("Count(%v) of the zero Recorder = %d; want 0", k, n)
		}
	}
	handleAll(&r)
	if diff := cmp.Diff(events(), r.Events(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Events() (-want +got):\n%s", diff)
	}
}

func TestRecorderEventsReturnsACopy(t *testing.T) {
	var r observe.Recorder
	ctx := context.Background()
	r.Handle(ctx, observe.Retry{Attempt: 1})
	r.Handle(ctx, observe.Retry{Attempt: 2})

	got := r.Events()
	got[0] = observe.Success{}

	want := []observe.Event{observe.Retry{Attempt: 1}, observe.Retry{Attempt: 2}}
	if diff := cmp.Diff(want, r.Events()); diff != "" {
		t.Errorf("Events() after changing an earlier result (-want +got):\n%s", diff)
	}

	r.Handle(ctx, observe.Success{Attempt: 3})
	if len(got) != 2 {
		t.Errorf("len of an earlier Events() result = %d after another Handle; want 2", len(got))
	}
}

func TestRecorderCount(t *testing.T) {
	var r observe.Recorder
	ctx := context.Background()
	for _, e := range []observe.Event{
		observe.Retry{Attempt: 1},
		observe.Retry{Attempt: 2},
		observe.Retry{Attempt: 3},
		observe.MaxAttemptsExceeded{Attempt: 4},
	} {
		r.Handle(ctx, e)
	}
	want := map[observe.Kind]int{
		observe.KindRetry:               3,
		observe.KindMaxAttemptsExceeded: 1,
	}
	got := map[observe.Kind]int{}
	for _, k := range append(kinds, 0, observe.KindBudgetExhausted+1) {
		if n := r.Count(k); n != 0 {
			got[k] = n
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Count by kind (-want +got):\n%s", diff)
	}
}

func TestRecorderReset(t *testing.T) {
	var r observe.Recorder
	handleAll(&r)
	r.Reset()
	if got := r.Events(); got != nil {
		t.Errorf("Events() after Reset = %v; want nil", got)
	}
	if n := r.Count(observe.KindRetry); n != 0 {
		t.Errorf("Count(retry) after Reset = %d; want 0", n)
	}
	r.Handle(context.Background(), observe.Success{Attempt: 1})
	want := []observe.Event{observe.Success{Attempt: 1}}
	if diff := cmp.Diff(want, r.Events()); diff != "" {
		t.Errorf("Events() after Reset and Handle (-want +got):\n%s", diff)
	}
}

// TestRecorderConcurrentHandle shares one Recorder among many goroutines,
// as one subscriber of many concurrent retry calls is; run it with -race.
func TestRecorderConcurrentHandle(t *testing.T) {
	const goroutines, perGoroutine = 16, 200
	var r observe.Recorder
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range goroutines {
		op := "op" + strconv.Itoa(g)
		wg.Go(func() {
			for i := range perGoroutine {
				r.Handle(ctx, observe.Retry{Operation: op, Attempt: i + 1})
			}
		})
	}
	// Readers run alongside the writers.
	for range 4 {
		wg.Go(func() {
			for range perGoroutine {
				_ = r.Events()
				_ = r.Count(observe.KindRetry)
			}
		})
	}
	wg.Wait()

	if n := r.Count(observe.KindRetry); n != goroutines*perGoroutine {
		t.Errorf("Count(retry) = %d; want %d", n, goroutines*perGoroutine)
	}
	// Each goroutine's events are kept in the order it sent them.
	next := map[string]int{}
	for _, e := range r.Events() {
		e := e.(observe.Retry)
		next[e.Operation]++
		if e.Attempt != next[e.Operation] {
			t.Fatalf("%s: event with Attempt %d kept where %d was due", e.Operation, e.Attempt, next[e.Operation])
		}
	}
}
