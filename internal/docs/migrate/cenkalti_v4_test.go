package migrate

import (
	"context"
	"errors"
	"math"
	"testing"
	"testing/synctest"
	"time"

	backoffv4 "github.com/cenkalti/backoff/v4"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/retry"
)

// The tests of this file run cenkalti/backoff v4 and reflexio on the same
// failures; migrating-from-cenkalti-backoff.md quotes them.

func TestCenkaltiV4BasicLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			ping := func() error { return client.Ping(ctx) }
			b := backoffv4.WithContext(backoffv4.NewExponentialBackOff(), ctx)
			err := backoffv4.Retry(ping, b)
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

func TestCenkaltiV4TypedResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		client := flaky(2, errUnavailable)
		b := backoffv4.WithContext(backoffv4.NewExponentialBackOff(), ctx)
		user, err := backoffv4.RetryWithData(func() (User, error) {
			return client.GetUser(ctx, 42)
		}, b)
		if err != nil || user.ID != 42 {
			t.Errorf("cenkalti: %v, %v; want user 42", user, err)
		}
		wantCalls(t, "cenkalti", client, 3)
	})
}

func TestCenkaltiV4MaxRetriesCountsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errUnavailable)
			ping := func() error { return client.Ping(ctx) }
			b := backoffv4.WithMaxRetries(backoffv4.NewExponentialBackOff(), 3)
			err := backoffv4.Retry(ping, backoffv4.WithContext(b, ctx))
			wantCalls(t, "cenkalti", client, 4) // 3 retries: 4 attempts
			wantSame(t, "cenkalti", err, errUnavailable)
		}
		{
			client := down(errUnavailable)
			err := retry.Run(ctx, client.Ping, retry.MaxAttempts(4))
			wantCalls(t, "reflexio", client, 4)
			wantIs(t, "reflexio", err, retry.ErrMaxAttempts, errUnavailable)
		}
	})
}

func TestCenkaltiV4MaxElapsedTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			start := time.Now()
			client := down(errUnavailable)
			ping := func() error { return client.Ping(ctx) }
			b := backoffv4.NewExponentialBackOff(
				backoffv4.WithMaxElapsedTime(10 * time.Second))
			err := backoffv4.Retry(ping, backoffv4.WithContext(b, ctx))
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("cenkalti: took %v; want at most 10s", took)
			}
			wantSame(t, "cenkalti", err, errUnavailable)
		}
		{
			start := time.Now()
			client := down(errUnavailable)
			err := retry.Run(ctx, client.Ping,
				retry.Deadline(10*time.Second), retry.MaxAttempts(math.MaxInt))
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("reflexio: took %v; want at most 10s", took)
			}
			wantIs(t, "reflexio", err, retry.ErrDeadline, context.DeadlineExceeded, errUnavailable)
		}
	})
}

func TestCenkaltiV4Notify(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		var waits []time.Duration
		client := down(errUnavailable)
		ping := func() error { return client.Ping(ctx) }
		notify := func(err error, d time.Duration) { waits = append(waits, d) }
		b := backoffv4.WithMaxRetries(backoffv4.NewExponentialBackOff(), 3)
		err := backoffv4.RetryNotify(ping, backoffv4.WithContext(b, ctx), notify)
		if len(waits) != 3 || err == nil {
			t.Errorf("cenkalti: notified %d times; want 3, one per retry", len(waits))
		}
	})
}

func TestCenkaltiV4CancelLosesTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		client := down(errUnavailable)
		client.hook = func(call int) {
			if call == 2 {
				cancel(errShutdown)
			}
		}
		ping := func() error { return client.Ping(ctx) }
		err := backoffv4.Retry(ping, backoffv4.WithContext(backoffv4.NewExponentialBackOff(), ctx))
		wantCalls(t, "cenkalti", client, 2)
		wantSame(t, "cenkalti", err, context.Canceled) // neither the cause nor the 503
	})
}

// cenkalti's ExponentialBackOff waits a random time within RandomizationFactor
// of an interval that grows by Multiplier up to MaxInterval. With Multiplier
// 2, backoff.Jitter over backoff.Exponential scaled by 1+r spans the same
// range; for other multipliers, EqualJitterGrowth scaled by 4/3 has the same
// growth and the same mean, spread over ±1/3.
func TestCenkaltiExponentialShapes(t *testing.T) {
	const (
		initial     = 500 * time.Millisecond
		maxInterval = time.Minute
	)
	for _, tc := range []struct {
		name       string
		multiplier float64
		r          float64 // cenkalti's RandomizationFactor
		shape      backoff.Strategy
		lo, hi     float64 // the range of the strategy, in intervals
	}{
		{
			name: "multiplier 2", multiplier: 2, r: 0.5,
			// Jitter(2r/(1+r), Exponential((1+r)·initial, (1+r)·maxInterval))
			shape: backoff.Jitter(2.0/3,
				backoff.Exponential(750*time.Millisecond, 90*time.Second)),
			lo: 0.5, hi: 1.5,
		},
		{
			name: "no randomization", multiplier: 2, r: 0,
			shape: backoff.Exponential(initial, maxInterval),
			lo:    1, hi: 1,
		},
		{
			name: "default multiplier", multiplier: 1.5, r: 0.5,
			shape: backoff.EqualJitterGrowth(initial*4/3, maxInterval*4/3, 1.5),
			lo:    2.0 / 3, hi: 4.0 / 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// cenkalti's intervals, without randomization.
			intervals := &backoffv4.ExponentialBackOff{
				InitialInterval:     initial,
				RandomizationFactor: 0,
				Multiplier:          tc.multiplier,
				MaxInterval:         maxInterval,
				MaxElapsedTime:      0,
				Stop:                backoffv4.Stop,
				Clock:               backoffv4.SystemClock,
			}
			intervals.Reset()
			for attempt := 1; attempt <= 20; attempt++ {
				i := float64(intervals.NextBackOff())
				near := func(got time.Duration, want float64) bool {
					return math.Abs(float64(got)-want) <= 1e-8*want+2 // rounding
				}
				lo := tc.shape.Delay(backoff.Input{Attempt: attempt, Random: 0})
				hi := tc.shape.Delay(backoff.Input{Attempt: attempt, Random: 1})
				mid := tc.shape.Delay(backoff.Input{Attempt: attempt, Random: 0.5})
				if !near(lo, tc.lo*i) || !near(hi, tc.hi*i) || !near(mid, i) {
					t.Errorf("attempt %d: interval %v: delays from %v through %v to %v; want %v, %v, %v",
						attempt, time.Duration(i), lo, mid, hi,
						time.Duration(tc.lo*i), time.Duration(i), time.Duration(tc.hi*i))
				}
			}
		})
	}
}

func TestCenkaltiV4PermanentIsUnwrapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		client := down(errInvalid)
		err := backoffv4.Retry(func() error {
			return backoffv4.Permanent(client.Ping(ctx))
		}, backoffv4.WithContext(backoffv4.NewExponentialBackOff(), ctx))
		wantCalls(t, "cenkalti", client, 1)
		wantSame(t, "cenkalti", err, errInvalid)
		var perr *backoffv4.PermanentError
		if errors.As(err, &perr) {
			t.Errorf("cenkalti: err = %#v; want the bare error", err)
		}
	})
}
