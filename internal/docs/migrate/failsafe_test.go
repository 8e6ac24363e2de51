package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// The tests of this file run failsafe-go and reflexio on the same answers
// of a job service, one in each block; migrating-from-failsafe-go.md quotes
// them.

func TestFailsafePollUntilDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering("running", "running", "running", "done")
			polling := retrypolicy.NewBuilder[Job]().
				HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
				WithDelay(2 * time.Second).
				WithJitterFactor(0.1).
				WithMaxAttempts(-1).
				WithMaxDuration(2 * time.Minute).
				Build()
			job, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
				return jobs.Get(ctx, "j-1")
			})
			if err != nil || !job.Done() {
				t.Errorf("failsafe: %v, %v; want the job done", job, err)
			}
			wantCalls(t, "failsafe", jobs, 4)
			wantGaps(t, "failsafe", jobs, callTime+1800*time.Millisecond, callTime+2200*time.Millisecond)
		}
		{
			jobs := jobsAnswering("running", "running", "running", "done")
			job, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			}, retry.Poll(Job.Done, 2*time.Second, 2*time.Minute))
			if err != nil || !job.Done() {
				t.Errorf("reflexio: %v, %v; want the job done", job, err)
			}
			wantCalls(t, "reflexio", jobs, 4)
			wantGaps(t, "reflexio", jobs, callTime+1800*time.Millisecond, callTime+2*time.Second)
		}
	})
}

// wantGaps fails the test unless the calls of s started between min and
// max after the one before.
func wantGaps(t *testing.T, lib string, s *jobService, min, max time.Duration) {
	t.Helper()
	for i := 1; i < len(s.at); i++ {
		if gap := s.at[i] - s.at[i-1]; gap < min || gap > max {
			t.Errorf("%s: call %d started %v after the one before; want within [%v, %v]", lib, i+1, gap, min, max)
		}
	}
}

// A job that never finishes: failsafe-go returns the zero Job and an
// ExceededError that holds the last Job as an any; reflexio returns the
// last Job and a *retry.Error.
func TestFailsafePollGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering("running")
			polling := retrypolicy.NewBuilder[Job]().
				HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
				WithDelay(2 * time.Second).
				WithMaxAttempts(-1).
				WithMaxDuration(2 * time.Minute).
				Build()
			job, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
				return jobs.Get(ctx, "j-1")
			})

			var exceeded retrypolicy.ExceededError
			if errors.As(err, &exceeded) {
				last, _ := exceeded.LastResult.(Job) // an any: the type is asserted
				if last.Status != "running" || job != (Job{}) {
					t.Errorf("failsafe: returned %v, last result %v; want the zero Job, and the running one last", job, last)
				}
			} else {
				t.Errorf("failsafe: err = %#v; want an ExceededError", err)
			}
			wantIs(t, "failsafe", err, retrypolicy.ErrExceeded)
			// The last wait is cut short so that a last call starts at 2m.
			wantCalls(t, "failsafe", jobs, 59)
			if last := jobs.at[len(jobs.at)-1]; last != 2*time.Minute {
				t.Errorf("failsafe: the last call started at %v; want 2m", last)
			}
		}
		{
			jobs := jobsAnswering("running")
			job, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			}, retry.Poll(Job.Done, 2*time.Second, 2*time.Minute))

			wantPollGaveUp(t, job, err)
			// No wait that would end after 2m, no call after 2m; the waits
			// are shorter by up to a tenth, so there are a few more calls.
			if n := jobs.calls(); n < 58 || n > 64 {
				t.Errorf("reflexio: %d calls; want 58 to 64", n)
			}
			if jobs.elapsed() > 2*time.Minute {
				t.Errorf("reflexio: gave up after %v; want at most 2m", jobs.elapsed())
			}
		}
	})
}

// ReturnLastFailure makes failsafe-go return the last Job, but with a nil
// error: a poll that gave up looks like a success but for the Job's status.
func TestFailsafeReturnLastFailureHasNoError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		jobs := jobsAnswering("running")
		polling := retrypolicy.NewBuilder[Job]().
			HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
			WithDelay(2 * time.Second).
			WithMaxAttempts(5).
			ReturnLastFailure().
			Build()
		job, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
			return jobs.Get(ctx, "j-1")
		})
		wantCalls(t, "failsafe", jobs, 5)
		if err != nil || job.Status != "running" {
			t.Errorf("failsafe: %v, %v; want the running Job and a nil error", job, err)
		}
	})
}

// HandleIf replaces the rule that every error is a failure: a predicate
// that looks only at the Job leaves an error unretried.
func TestFailsafeHandleIfOnResultsStopsRetryingErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering(errUnavailable, "done")
			polling := retrypolicy.NewBuilder[Job]().
				HandleIf(func(j Job, _ error) bool { return j.Status == "running" }).
				WithDelay(2 * time.Second).
				Build()
			_, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
				return jobs.Get(ctx, "j-1")
			})
			wantCalls(t, "failsafe", jobs, 1)
			wantSame(t, "failsafe", err, errUnavailable)
		}
		{
			jobs := jobsAnswering(errUnavailable, "done")
			job, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			}, retry.Poll(Job.Done, 2*time.Second, 2*time.Minute))
			wantCalls(t, "reflexio", jobs, 2)
			if err != nil || !job.Done() {
				t.Errorf("reflexio: %v, %v; want the job done", job, err)
			}
		}
	})
}

// HandleResult retries while the value is equal to one, and still retries
// every error.
func TestFailsafeHandleResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering("running", errUnavailable, "done")
			status := func() (string, error) {
				j, err := jobs.Get(ctx, "j-1")
				return j.Status, err
			}
			policy := retrypolicy.NewBuilder[string]().
				HandleResult("running").
				WithMaxAttempts(5).
				Build()
			got, err := failsafe.With(policy).WithContext(ctx).Get(status)
			wantCalls(t, "failsafe", jobs, 3)
			if err != nil || got != "done" {
				t.Errorf("failsafe: %q, %v; want done", got, err)
			}
		}
		{
			jobs := jobsAnswering("running", errUnavailable, "done")
			status := func(ctx context.Context) (string, error) {
				j, err := jobs.Get(ctx, "j-1")
				return j.Status, err
			}
			got, err := retry.Do(ctx, status, retry.MaxAttempts(5),
				retry.ClassifyResult(func(s string) (classify.Class, bool) {
					return classify.Transient, s == "running"
				}))
			wantCalls(t, "reflexio", jobs, 3)
			if err != nil || got != "done" {
				t.Errorf("reflexio: %q, %v; want done", got, err)
			}
		}
	})
}

// A job that failed will never be done: stop polling at once.
func TestFailsafeAbortIf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering("running", "failed")
			polling := retrypolicy.NewBuilder[Job]().
				HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
				AbortIf(func(j Job, err error) bool { return j.Status == "failed" }).
				WithDelay(2 * time.Second).
				WithMaxAttempts(-1).
				WithMaxDuration(2 * time.Minute).
				Build()
			job, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
				return jobs.Get(ctx, "j-1")
			})
			wantCalls(t, "failsafe", jobs, 2)
			if err != nil || job.Status != "failed" {
				t.Errorf("failsafe: %v, %v; want the failed Job and a nil error", job, err)
			}
		}
		{
			jobs := jobsAnswering("running", "failed")
			job, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			},
				retry.Poll(Job.Done, 2*time.Second, 2*time.Minute),
				retry.ClassifyResult(func(j Job) (classify.Class, bool) {
					switch j.Status {
					case "running":
						return classify.Transient, true // not yet
					case "failed":
						return classify.Permanent, true // never: stop now
					}
					return 0, false // done
				}),
			)
			wantCalls(t, "reflexio", jobs, 2)
			if job.Status != "failed" {
				t.Errorf("reflexio: returned %v; want the failed Job", job)
			}
			wantIs(t, "reflexio", err, retry.ErrPermanent, retry.ErrRejected)
		}
	})
}

// OnRetry is called before each retry, after the wait, with the value; a
// Retry event comes before the wait, and says that a value was rejected
// without holding it.
func TestFailsafeOnRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			var seen []string
			jobs := jobsAnswering("running", "running", "done")
			polling := retrypolicy.NewBuilder[Job]().
				HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
				WithDelay(2 * time.Second).
				OnRetry(func(e failsafe.ExecutionEvent[Job]) {
					seen = append(seen, e.LastResult().Status)
				}).
				Build()
			_, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
				return jobs.Get(ctx, "j-1")
			})
			if err != nil || strings.Join(seen, " ") != "running running" {
				t.Errorf("failsafe: OnRetry saw %q, %v; want running twice", seen, err)
			}
		}
		{
			var seen []string
			jobs := jobsAnswering("running", "running", "done")
			logRetry := observe.Func(func(e observe.Retry) {
				seen = append(seen, e.Class.String())
			})
			_, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			}, retry.Poll(Job.Done, 2*time.Second, 2*time.Minute), retry.Subscribe(logRetry))
			if err != nil || strings.Join(seen, " ") != "Transient Transient" {
				t.Errorf("reflexio: Retry events %q, %v; want Transient twice", seen, err)
			}
		}
	})
}

// A 200 that says "slow down" waits longer than one that says "not yet".
func TestFailsafeDelayByResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering("running", "throttled", "running", "done")
			polling := retrypolicy.NewBuilder[Job]().
				HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
				WithDelayFunc(func(e failsafe.ExecutionAttempt[Job]) time.Duration {
					if e.LastResult().Status == "throttled" {
						return 10 * time.Second
					}
					return 2 * time.Second
				}).
				WithMaxAttempts(-1).
				WithMaxDuration(2 * time.Minute).
				Build()
			job, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
				return jobs.Get(ctx, "j-1")
			})
			if err != nil || !job.Done() {
				t.Errorf("failsafe: %v, %v; want the job done", job, err)
			}
			// Waits of 2s, 10s and 2s, after calls of 100ms.
			wantGapsWithin(t, "failsafe", jobs, []time.Duration{2100 * time.Millisecond, 10100 * time.Millisecond, 2100 * time.Millisecond}, 0)
		}
		{
			jobs := jobsAnswering("running", "throttled", "running", "done")
			job, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			},
				retry.Poll(Job.Done, 2*time.Second, 2*time.Minute),
				retry.ClassifyResult(func(j Job) (classify.Class, bool) {
					switch j.Status {
					case "running":
						return classify.Transient, true
					case "throttled":
						return classify.RateLimit, true
					}
					return 0, false
				}),
				retry.BackoffFor(classify.RateLimit, backoff.Constant(10*time.Second)),
			)
			if err != nil || !job.Done() {
				t.Errorf("reflexio: %v, %v; want the job done", job, err)
			}
			// Poll's waits are 2s less up to a tenth; BackoffFor's are 10s.
			wantGapsWithin(t, "reflexio", jobs, []time.Duration{2100 * time.Millisecond, 10100 * time.Millisecond, 2100 * time.Millisecond}, 200*time.Millisecond)
		}
	})
}

// wantGapsWithin fails the test unless the time between the starts of two
// calls of s is, for the i-th, within [gaps[i]-less, gaps[i]].
func wantGapsWithin(t *testing.T, lib string, s *jobService, gaps []time.Duration, less time.Duration) {
	t.Helper()
	if len(s.at) != len(gaps)+1 {
		t.Fatalf("%s: calls started at %v; want %d calls", lib, s.at, len(gaps)+1)
	}
	for i, want := range gaps {
		if gap := s.at[i+1] - s.at[i]; gap < want-less || gap > want {
			t.Errorf("%s: call %d started %v after the one before; want within [%v, %v]", lib, i+2, gap, want-less, want)
		}
	}
}

// A classifier for one type given to a call of another fails that call
// before any attempt.
func TestReflexioResultClassifierOfAnotherType(t *testing.T) {
	jobs := jobsAnswering("done")
	polling := retry.Poll(Job.Done, 2*time.Second, 2*time.Minute)
	_, err := retry.Do(t.Context(), func(ctx context.Context) (User, error) {
		_, err := jobs.Get(ctx, "j-1")
		return User{}, err
	}, polling)
	wantCalls(t, "reflexio", jobs, 0)
	wantIs(t, "reflexio", err, retry.ErrInvalidOption)
	t.Log(err)
}

// Without options, a RetryPolicy makes 3 attempts, with no wait between
// them, and returns an ExceededError.
func TestFailsafeDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		jobs := jobsAnswering(errUnavailable)
		_, err := failsafe.With(retrypolicy.NewWithDefaults[Job]()).WithContext(ctx).Get(func() (Job, error) {
			return jobs.Get(ctx, "j-1")
		})
		wantCalls(t, "failsafe", jobs, 3)
		wantGaps(t, "failsafe", jobs, callTime, callTime)
		wantIs(t, "failsafe", err, retrypolicy.ErrExceeded, errUnavailable)
	})
}

// OnRetryScheduled is called before the wait, with its Delay.
func TestFailsafeOnRetryScheduled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		var delays []time.Duration
		jobs := jobsAnswering("running", "done")
		polling := retrypolicy.NewBuilder[Job]().
			HandleIf(func(j Job, err error) bool { return err != nil || !j.Done() }).
			WithDelay(2 * time.Second).
			OnRetryScheduled(func(e failsafe.ExecutionScheduledEvent[Job]) {
				if jobs.calls() == 1 && jobs.elapsed() == callTime { // before the wait
					delays = append(delays, e.Delay)
				}
			}).
			Build()
		_, err := failsafe.With(polling).WithContext(ctx).Get(func() (Job, error) {
			return jobs.Get(ctx, "j-1")
		})
		if err != nil || len(delays) != 1 || delays[0] != 2*time.Second {
			t.Errorf("failsafe: OnRetryScheduled saw %v before the wait, %v; want 2s once", delays, err)
		}
	})
}
