package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

func TestEventsRunInTimeOrderAndTiesInScheduleOrder(t *testing.T) {
	s := NewScheduler()
	var got []string
	at := func(d time.Duration, name string) {
		s.At(d, func() { got = append(got, name+"@"+s.Elapsed().String()) })
	}
	at(2*time.Second, "c")
	at(time.Second, "a")
	at(2*time.Second, "d")
	at(time.Second, "b")
	s.Run(time.Hour, nil)
	s.Stop()
	want := []string{"a@1s", "b@1s", "c@2s", "d@2s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestSleepTakesVirtualTimeOnly(t *testing.T) {
	s := NewScheduler()
	var woke time.Duration
	var ok bool
	s.Go(func(ctx context.Context) {
		ok = s.Sleep(ctx, time.Hour)
		woke = s.Elapsed()
	})
	start := time.Now()
	s.Run(2*time.Hour, nil)
	s.Stop()
	if !ok || woke != time.Hour {
		t.Errorf("Sleep(1h) = %v, woke at %v; want true at 1h", ok, woke)
	}
	if real := time.Since(start); real > time.Second {
		t.Errorf("an hour of virtual time took %v of real time", real)
	}
}

// TestRetryRunsOnTheVirtualClock checks the hook: retry.Do's waits, elapsed
// times and deadline are virtual.
func TestRetryRunsOnTheVirtualClock(t *testing.T) {
	s := NewScheduler()
	var rec observe.Recorder
	errDown := errors.New("down")
	var err error
	s.Go(func(ctx context.Context) {
		err = retry.Run(ctx, func(context.Context) error { return classify.MarkTransient(errDown) },
			s.Option(), retry.Backoff(backoff.Constant(20*time.Second)), retry.Deadline(time.Minute), retry.Subscribe(&rec))
	})
	s.Run(time.Hour, nil)
	s.Stop()
	if !errors.Is(err, retry.ErrDeadline) {
		t.Fatalf("Run = %v; want ErrDeadline", err)
	}
	want := []observe.Event{
		observe.Retry{Attempt: 1, Class: classify.Transient, Err: errDown, Delay: 20 * time.Second},
		observe.Retry{Attempt: 2, Class: classify.Transient, Err: errDown, Delay: 20 * time.Second, Elapsed: 20 * time.Second},
		observe.DeadlineExceeded{Attempt: 3, Class: classify.Transient, Err: errDown, Delay: 20 * time.Second, Elapsed: 40 * time.Second},
	}
	if diff := cmp.Diff(want, rec.Events(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestStopEndsEveryParkedCall runs in a synctest bubble so that a goroutine
// left behind fails it every time: the bubble ends only when each of its
// goroutines has returned, and reports any that is blocked for good. It used
// to count runtime.NumGoroutine after Stop, with runtime.Gosched to give the
// processes' goroutines the moment they take to return after handing control
// back; the runtime promises no such moment, and about one run in a hundred
// found a goroutine still runnable on its last line.
func TestStopEndsEveryParkedCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler()
		errs := make([]error, 3)
		for i := range errs {
			s.Go(func(ctx context.Context) {
				errs[i] = retry.Run(ctx, func(ctx context.Context) error {
					s.Sleep(ctx, time.Second)
					return classify.MarkTransient(errors.New("slow"))
				}, s.Option(), retry.Backoff(backoff.Constant(time.Hour)), retry.NoDeadline())
			})
		}
		s.Run(time.Minute, nil)
		if s.Live() != len(errs) {
			t.Fatalf("Live() = %d before Stop; want %d", s.Live(), len(errs))
		}
		s.Stop()
		for i, err := range errs {
			if !errors.Is(err, retry.ErrCancelled) {
				t.Errorf("call %d = %v; want ErrCancelled", i, err)
			}
		}
		if s.Live() != 0 {
			t.Errorf("Live() = %d after Stop; want 0", s.Live())
		}
	})
}

func TestPanicInProcessSurfacesInRun(t *testing.T) {
	s := NewScheduler()
	s.Go(func(context.Context) { panic("boom") })
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "boom") {
			t.Errorf("Run panicked with %v; want the process's panic", r)
		}
	}()
	s.Run(time.Hour, nil)
	t.Error("Run returned; want a panic")
}

func TestStopEndsProcessesNotYetStarted(t *testing.T) {
	s := NewScheduler()
	var err error
	s.At(time.Minute, func() {
		s.Go(func(ctx context.Context) {
			err = retry.Run(ctx, func(context.Context) error { return nil }, s.Option())
		})
	})
	s.Run(time.Minute, func() bool { return s.Elapsed() == time.Minute }) // stops before the start runs
	s.Stop()
	if !errors.Is(err, retry.ErrCancelled) {
		t.Errorf("Run = %v; want ErrCancelled", err)
	}
}
