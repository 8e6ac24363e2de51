package retry_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// virtualClock is a clock whose time moves only when the loop sleeps.
type virtualClock struct {
	now    time.Time
	sleeps []time.Duration
	cancel func() // if set, cancels the call's context in the next sleep
}

func (c *virtualClock) Now() time.Time { return c.now }

func (c *virtualClock) Sleep(_ context.Context, d time.Duration) bool {
	c.sleeps = append(c.sleeps, d)
	if c.cancel != nil {
		c.cancel()
		return false
	}
	c.now = c.now.Add(d)
	return true
}

// The simulator's seam: a call runs on the clock it is given, for its start,
// its deadline, its elapsed times and its waits.
func TestCallRunsOnTheClockOfTheHook(t *testing.T) {
	clock := &virtualClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	on := hook.WithClock(clock).(retry.Option)
	if got := on.String(); got != "clock" {
		t.Errorf("String() = %q; want %q", got, "clock")
	}
	var rec observe.Recorder
	n := 0
	err := retry.Run(context.Background(), func(context.Context) error {
		n++
		return transient
	}, on, retry.Backoff(backoff.Constant(4*time.Second)), retry.Deadline(10*time.Second), retry.Subscribe(&rec))

	want := &retry.Error{Reason: retry.ErrDeadline, Attempts: 3, Last: errReset, Class: classify.Transient}
	if diff := diffError(want, err); diff != "" {
		t.Errorf("Run(…) error mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{4 * time.Second, 4 * time.Second}, clock.sleeps); diff != "" {
		t.Errorf("sleeps mismatch (-want +got):\n%s", diff)
	}
	wantEvents := []observe.Event{
		observe.Retry{Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second},
		observe.Retry{Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second, Elapsed: 4 * time.Second},
		observe.DeadlineExceeded{Attempt: 3, Class: classify.Transient, Err: errReset, Delay: 4 * time.Second, Elapsed: 8 * time.Second},
	}
	if diff := diffEvents(wantEvents, rec.Events()); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}

	// A sleep that the context ends early ends the call.
	ctx, cancel := context.WithCancel(context.Background())
	clock.cancel = cancel
	err = retry.Run(ctx, func(context.Context) error { return transient }, on)
	if want := (&retry.Error{Reason: retry.ErrCancelled, Attempts: 1, Last: errReset, Class: classify.Transient, Cause: context.Canceled}); diffError(want, err) != "" {
		t.Errorf("Run(…) = %v; want %v", err, want)
	}
	cancel()
}

// countingClock counts its readings.
type countingClock struct {
	virtualClock
	reads int
}

func (c *countingClock) Now() time.Time { c.reads++; return c.virtualClock.Now() }

// A call reads the clock only when something needs it: a Deadline counts
// from the call, the default deadline from the first failure, and events
// tell the time elapsed. A call that succeeds at once with the defaults
// reads none.
func TestClockIsReadOnlyWhenNeeded(t *testing.T) {
	ok := func(context.Context) error { return nil }
	failOnce := func() func(context.Context) error {
		n := 0
		return func(context.Context) error {
			n++
			if n == 1 {
				return transient
			}
			return nil
		}
	}
	zero := retry.Backoff(backoff.Constant(0))
	tests := []struct {
		name string
		op   func(context.Context) error
		opts []retry.Option
		want int
	}{
		{"defaults, success", ok, nil, 0},
		{"no deadline, one failure", failOnce(), []retry.Option{retry.NoDeadline(), zero}, 0},
		{"defaults, one failure: the default deadline starts", failOnce(), []retry.Option{zero}, 1},
		{"Deadline, success: it counts from the call", ok, []retry.Option{retry.Deadline(time.Minute)}, 1},
		{"a subscriber, success: start and elapsed", ok, []retry.Option{retry.NoDeadline(), retry.Subscribe(&observe.Recorder{})}, 2},
	}
	for _, tt := range tests {
		clock := &countingClock{virtualClock: virtualClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
		opts := append([]retry.Option{hook.WithClock(clock).(retry.Option)}, tt.opts...)
		if err := retry.Run(context.Background(), tt.op, opts...); err != nil {
			t.Fatalf("%s: Run = %v", tt.name, err)
		}
		if clock.reads != tt.want {
			t.Errorf("%s: the clock was read %d times; want %d", tt.name, clock.reads, tt.want)
		}
	}
}
