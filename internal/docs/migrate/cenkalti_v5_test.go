package migrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"testing/synctest"
	"time"

	backoffv5 "github.com/cenkalti/backoff/v5"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// The tests of this file run cenkalti/backoff v5 and reflexio on the same
// failures, one in each block; migrating-from-cenkalti-backoff.md quotes
// them.

func TestCenkaltiV5TypedResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			user, err := backoffv5.Retry(ctx, func() (User, error) {
				return client.GetUser(ctx, 42)
			})
			if err != nil || user.ID != 42 {
				t.Errorf("cenkalti: %v, %v; want user 42", user, err)
			}
			wantCalls(t, "cenkalti", client, 3)
		}
		{
			client := flaky(2, errUnavailable)
			user, err := retry.Do(ctx, func(ctx context.Context) (User, error) {
				return client.GetUser(ctx, 42)
			})
			if err != nil || user.ID != 42 {
				t.Errorf("reflexio: %v, %v; want user 42", user, err)
			}
			wantCalls(t, "reflexio", client, 3)
		}
	})
}

func TestCenkaltiV5ErrorOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			_, err := backoffv5.Retry(ctx, func() (struct{}, error) {
				return struct{}{}, client.Ping(ctx)
			})
			if err != nil {
				t.Errorf("cenkalti: %v", err)
			}
			wantCalls(t, "cenkalti", client, 3)
		}
		{
			client := flaky(2, errUnavailable)
			err := retry.Run(ctx, client.Ping)
			if err != nil {
				t.Errorf("reflexio: %v", err)
			}
			wantCalls(t, "reflexio", client, 3)
		}
	})
}

func TestCenkaltiV5MaxTriesCountsAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errUnavailable)
			getUser := func() (User, error) { return client.GetUser(ctx, 42) }
			_, err := backoffv5.Retry(ctx, getUser, backoffv5.WithMaxTries(4))
			wantCalls(t, "cenkalti", client, 4)
			wantSame(t, "cenkalti", err, errUnavailable) // the last error, as it is
		}
		{
			client := down(errUnavailable)
			getUser := func(ctx context.Context) (User, error) { return client.GetUser(ctx, 42) }
			_, err := retry.Do(ctx, getUser, retry.MaxAttempts(4))
			wantCalls(t, "reflexio", client, 4)
			wantIs(t, "reflexio", err, retry.ErrMaxAttempts, errUnavailable)
			var rerr *retry.Error
			if !errors.As(err, &rerr) || rerr.Last != errUnavailable || rerr.Attempts != 4 {
				t.Errorf("reflexio: err = %#v; want a *retry.Error after 4 attempts, errUnavailable last", err)
			}
		}
	})
}

func TestCenkaltiV5MaxElapsedTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			start := time.Now()
			client := down(errUnavailable)
			getUser := func() (User, error) { return client.GetUser(ctx, 42) }
			_, err := backoffv5.Retry(ctx, getUser,
				backoffv5.WithMaxElapsedTime(10*time.Second))
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("cenkalti: took %v; want at most 10s", took)
			}
			wantSame(t, "cenkalti", err, errUnavailable)
		}
		{
			start := time.Now()
			client := down(errUnavailable)
			getUser := func(ctx context.Context) (User, error) { return client.GetUser(ctx, 42) }
			_, err := retry.Do(ctx, getUser,
				retry.Deadline(10*time.Second),
				retry.MaxAttempts(math.MaxInt))
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("reflexio: took %v; want at most 10s", took)
			}
			wantIs(t, "reflexio", err, retry.ErrDeadline, context.DeadlineExceeded, errUnavailable)
		}
	})
}

func TestCenkaltiV5Permanent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errInvalid)
			_, err := backoffv5.Retry(ctx, func() (User, error) {
				u, err := client.GetUser(ctx, -1)
				if errors.Is(err, errInvalid) {
					return u, backoffv5.Permanent(err)
				}
				return u, err
			})
			wantCalls(t, "cenkalti", client, 1)
			wantSame(t, "cenkalti", err, errInvalid)
		}
		{
			client := down(errInvalid)
			_, err := retry.Do(ctx, func(ctx context.Context) (User, error) {
				u, err := client.GetUser(ctx, -1)
				if errors.Is(err, errInvalid) {
					return u, classify.MarkPermanent(err)
				}
				return u, err
			})
			wantCalls(t, "reflexio", client, 1)
			wantIs(t, "reflexio", err, retry.ErrPermanent, errInvalid)
			var rerr *retry.Error
			if !errors.As(err, &rerr) || rerr.Last != errInvalid {
				t.Errorf("reflexio: err = %#v; want errInvalid last, without its marker", err)
			}
		}
	})
}

// On the last try that WithMaxTries allows, v5.0.3 returns a permanent
// error still wrapped in its *PermanentError: the cap is checked first.
func TestCenkaltiV5PermanentOnLastTryStaysWrapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		client := down(errInvalid)
		_, err := backoffv5.Retry(ctx, func() (User, error) {
			u, err := client.GetUser(ctx, -1)
			return u, backoffv5.Permanent(err)
		}, backoffv5.WithMaxTries(1))
		var perr *backoffv5.PermanentError
		if !errors.As(err, &perr) {
			t.Errorf("cenkalti: err = %#v; want a *PermanentError", err)
		}
		wantIs(t, "cenkalti", err, errInvalid)
	})
}

func TestCenkaltiV5RetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errThrottled)
			_, err := backoffv5.Retry(ctx, func() (User, error) {
				u, err := client.GetUser(ctx, 42)
				if errors.Is(err, errThrottled) {
					return u, backoffv5.RetryAfter(2) // seconds
				}
				return u, err
			}, backoffv5.WithMaxTries(3))
			wantCalls(t, "cenkalti", client, 3)
			for i := 1; i < client.calls(); i++ {
				if gap := client.at[i] - client.at[i-1]; gap != 2*time.Second {
					t.Errorf("cenkalti: wait %d = %v; want 2s", i, gap)
				}
			}
			var serr *statusError
			if errors.As(err, &serr) {
				t.Errorf("cenkalti: err = %#v; the 429 was expected to be lost", err)
			}
		}
		{
			client := down(errThrottled)
			_, err := retry.Do(ctx, func(ctx context.Context) (User, error) {
				u, err := client.GetUser(ctx, 42)
				if errors.Is(err, errThrottled) {
					return u, classify.MarkRateLimit(err, 2*time.Second)
				}
				return u, err
			}, retry.MaxAttempts(3))
			wantCalls(t, "reflexio", client, 3)
			for i := 1; i < client.calls(); i++ {
				// The longer of the backoff's delay and the hint.
				if gap := client.at[i] - client.at[i-1]; gap < 2*time.Second {
					t.Errorf("reflexio: wait %d = %v; want at least 2s", i, gap)
				}
			}
			wantIs(t, "reflexio", err, retry.ErrMaxAttempts, errThrottled)
		}
	})
}

func TestCenkaltiV5Notify(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			var waits []time.Duration
			client := down(errUnavailable)
			getUser := func() (User, error) { return client.GetUser(ctx, 42) }
			notify := func(err error, d time.Duration) { waits = append(waits, d) }
			_, err := backoffv5.Retry(ctx, getUser,
				backoffv5.WithMaxTries(4), backoffv5.WithNotify(notify))
			if len(waits) != 3 || err == nil {
				t.Errorf("cenkalti: notified %d times; want 3, one per retry", len(waits))
			}
		}
		{
			var waits []time.Duration
			client := down(errUnavailable)
			getUser := func(ctx context.Context) (User, error) { return client.GetUser(ctx, 42) }
			notify := observe.Func(func(e observe.Retry) { waits = append(waits, e.Delay) })
			_, err := retry.Do(ctx, getUser,
				retry.MaxAttempts(4), retry.Subscribe(notify))
			if len(waits) != 3 || err == nil {
				t.Errorf("reflexio: notified %d times; want 3, one per retry", len(waits))
			}
		}
	})
}

func TestCenkaltiV5CancelLosesTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		{
			ctx, cancel := context.WithCancelCause(t.Context())
			client := down(errUnavailable)
			client.hook = func(call int) {
				if call == 2 {
					cancel(errShutdown)
				}
			}
			_, err := backoffv5.Retry(ctx, func() (User, error) { return client.GetUser(ctx, 42) })
			wantCalls(t, "cenkalti", client, 2)
			wantSame(t, "cenkalti", err, errShutdown) // the cause alone: the 503 is lost
		}
		{
			ctx, cancel := context.WithCancelCause(t.Context())
			client := down(errUnavailable)
			client.hook = func(call int) {
				if call == 2 {
					cancel(errShutdown)
				}
			}
			_, err := retry.Do(ctx, func(ctx context.Context) (User, error) { return client.GetUser(ctx, 42) })
			wantCalls(t, "reflexio", client, 2)

			var got string
			var rerr *retry.Error
			if errors.As(err, &rerr) {
				got = fmt.Sprintf("%v after %d attempts; cause: %v; last error: %v",
					rerr.Reason, rerr.Attempts, rerr.Cause, rerr.Last)
			}
			want := "retry: cancelled after 2 attempts; cause: shutting down; last error: status 503"
			if got != want {
				t.Errorf("reflexio: %q; want %q", got, want)
			}
			wantIs(t, "reflexio", err, retry.ErrCancelled, errShutdown, errUnavailable)
			if want := "retry: cancelled after 2 attempts: shutting down; last error: status 503"; err.Error() != want {
				t.Errorf("reflexio: err = %q; want %q", err, want)
			}
		}
	})
}

// v5 returns what the operation returned with its last error; reflexio
// returns the zero value.
func TestCenkaltiV5ReturnsTheValueWithTheError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		partial := func() (User, error) { return User{ID: 7}, errUnavailable }
		user, err := backoffv5.Retry(ctx, partial, backoffv5.WithMaxTries(2))
		if user.ID != 7 || err != errUnavailable {
			t.Errorf("cenkalti: %v, %v; want user 7 and the error", user, err)
		}
		user, err = retry.Do(ctx, func(context.Context) (User, error) { return partial() }, retry.MaxAttempts(2))
		if user != (User{}) || err == nil {
			t.Errorf("reflexio: %v, %v; want the zero User and an error", user, err)
		}
		// A value that a result classifier rejected comes back, though.
		user, err = retry.Do(ctx, func(context.Context) (User, error) { return User{ID: 7}, nil }, retry.MaxAttempts(2),
			retry.ClassifyResult(func(u User) (classify.Class, bool) { return classify.Transient, u.Name == "" }))
		if user.ID != 7 || !errors.Is(err, retry.ErrRejected) {
			t.Errorf("reflexio: %v, %v; want user 7 and an error matching ErrRejected", user, err)
		}
	})
}

// errNotDone is the error a cenkalti/backoff operation invents so that the
// loop polls again.
var errNotDone = errors.New("job not done")

func TestCenkaltiV5PollUntilDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			jobs := jobsAnswering("running", "running", "running", "done")
			job, err := backoffv5.Retry(ctx, func() (Job, error) {
				j, err := jobs.Get(ctx, "j-1")
				if err == nil && !j.Done() {
					return j, errNotDone // an error made up to poll again
				}
				return j, err
			},
				backoffv5.WithBackOff(backoffv5.NewConstantBackOff(2*time.Second)),
				backoffv5.WithMaxElapsedTime(2*time.Minute))
			if err != nil || !job.Done() {
				t.Errorf("cenkalti: %v, %v; want the job done", job, err)
			}
			wantCalls(t, "cenkalti", jobs, 4)
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
		}
	})
}

// A job that never finishes: v5 returns the last Job with the made-up
// error, which says nothing of why the loop stopped; reflexio returns the
// last Job with a *retry.Error that says both.
func TestCenkaltiV5PollGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			var notified int
			jobs := jobsAnswering("running")
			job, err := backoffv5.Retry(ctx, func() (Job, error) {
				j, err := jobs.Get(ctx, "j-1")
				if err == nil && !j.Done() {
					return j, errNotDone // an error made up to poll again
				}
				return j, err
			},
				backoffv5.WithBackOff(backoffv5.NewConstantBackOff(2*time.Second)),
				backoffv5.WithMaxElapsedTime(2*time.Minute),
				backoffv5.WithNotify(func(error, time.Duration) { notified++ }))
			if job.Status != "running" {
				t.Errorf("cenkalti: returned %v; want the last Job, running", job)
			}
			wantSame(t, "cenkalti", err, errNotDone)
			// It stops when the next wait would end after 2m: 58 calls,
			// each but the last notified as a failure with errNotDone.
			wantCalls(t, "cenkalti", jobs, 58)
			if notified != 57 {
				t.Errorf("cenkalti: notified %d times; want 57", notified)
			}
		}
		{
			var rejected int
			jobs := jobsAnswering("running")
			countRejected := observe.Func(func(e observe.Retry) {
				if e.Rejected {
					rejected++
				}
			})
			job, err := retry.Do(ctx, func(ctx context.Context) (Job, error) {
				return jobs.Get(ctx, "j-1")
			}, retry.Poll(Job.Done, 2*time.Second, 2*time.Minute), retry.Subscribe(countRejected))
			wantPollGaveUp(t, job, err)
			// The waits are shorter by up to a tenth: a few more calls.
			if n := jobs.calls(); n < 58 || n > 64 || rejected != n-1 {
				t.Errorf("reflexio: %d calls, %d Retry events Rejected; want 58 to 64 calls, each but the last rejected", n, rejected)
			}
		}
	})
}

// A job that failed: a Permanent error in v5, a Permanent class in reflexio.
func TestCenkaltiV5PollStopsOnAFailedJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		errJobFailed := errors.New("job failed")
		{
			jobs := jobsAnswering("running", "failed")
			job, err := backoffv5.Retry(ctx, func() (Job, error) {
				j, err := jobs.Get(ctx, "j-1")
				switch {
				case err == nil && j.Status == "failed":
					return j, backoffv5.Permanent(errJobFailed)
				case err == nil && !j.Done():
					return j, errNotDone
				}
				return j, err
			},
				backoffv5.WithBackOff(backoffv5.NewConstantBackOff(2*time.Second)),
				backoffv5.WithMaxElapsedTime(2*time.Minute))
			wantCalls(t, "cenkalti", jobs, 2)
			if job.Status != "failed" {
				t.Errorf("cenkalti: returned %v; want the failed Job", job)
			}
			wantSame(t, "cenkalti", err, errJobFailed)
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
