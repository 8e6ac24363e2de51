package migrate

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	sethvargo "github.com/sethvargo/go-retry"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// The tests of this file run sethvargo/go-retry and reflexio on the same
// failures; migrating-from-sethvargo-go-retry.md quotes them.

func TestSethvargoBasicLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			b := sethvargo.NewExponential(time.Second)
			err := sethvargo.Do(ctx, b, func(ctx context.Context) error {
				if err := client.Ping(ctx); err != nil {
					return sethvargo.RetryableError(err)
				}
				return nil
			})
			if err != nil {
				t.Errorf("sethvargo: %v", err)
			}
			wantCalls(t, "sethvargo", client, 3)
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

func TestSethvargoTypedResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			b := sethvargo.NewExponential(time.Second)
			user, err := sethvargo.DoValue(ctx, b, func(ctx context.Context) (User, error) {
				u, err := client.GetUser(ctx, 42)
				return u, sethvargo.RetryableError(err)
			})
			if err != nil || user.ID != 42 {
				t.Errorf("sethvargo: %v, %v; want user 42", user, err)
			}
			wantCalls(t, "sethvargo", client, 3)
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

// retryable is an operation that marks all its errors retryable, as go-retry
// asks.
func retryable(f func(context.Context) error) sethvargo.RetryFunc {
	return func(ctx context.Context) error { return sethvargo.RetryableError(f(ctx)) }
}

func TestSethvargoMaxRetriesCountsRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errUnavailable)
			b := sethvargo.WithMaxRetries(3, sethvargo.NewConstant(time.Second))
			err := sethvargo.Do(ctx, b, retryable(client.Ping))
			wantCalls(t, "sethvargo", client, 4) // 3 retries: 4 attempts
			wantSame(t, "sethvargo", err, errUnavailable)
		}
		{
			client := down(errUnavailable)
			err := retry.Run(ctx, client.Ping, retry.MaxAttempts(4))
			wantCalls(t, "reflexio", client, 4)
			wantIs(t, "reflexio", err, retry.ErrMaxAttempts, errUnavailable)
		}
	})
}

// A go-retry Backoff keeps state: one shared by two calls counts the retries
// of both. reflexio's options keep none.
func TestSethvargoSharedBackoffCountsAcrossCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			first, second := down(errUnavailable), down(errUnavailable)
			shared := sethvargo.WithMaxRetries(2, sethvargo.NewConstant(time.Second))
			_ = sethvargo.Do(ctx, shared, retryable(first.Ping))  // 3 attempts
			_ = sethvargo.Do(ctx, shared, retryable(second.Ping)) // 1 attempt: no retries left
			wantCalls(t, "sethvargo, first call", first, 3)
			wantCalls(t, "sethvargo, second call", second, 1)
		}
		{
			first, second := down(errUnavailable), down(errUnavailable)
			shared := retry.Options(retry.MaxAttempts(3), retry.Backoff(backoff.Constant(time.Second)))
			_ = retry.Run(ctx, first.Ping, shared)  // 3 attempts
			_ = retry.Run(ctx, second.Ping, shared) // 3 attempts
			wantCalls(t, "reflexio, first call", first, 3)
			wantCalls(t, "reflexio, second call", second, 3)
		}
	})
}

func TestSethvargoMaxDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errUnavailable)
			b := sethvargo.WithMaxDuration(10*time.Second, sethvargo.NewConstant(3*time.Second))
			err := sethvargo.Do(ctx, b, retryable(client.Ping))
			// Its last wait is cut short, so that the last attempt starts at 10s.
			want := []time.Duration{0, 3 * time.Second, 6 * time.Second, 9 * time.Second, 10 * time.Second}
			if !slices.Equal(client.at, want) {
				t.Errorf("sethvargo: calls at %v; want %v", client.at, want)
			}
			wantSame(t, "sethvargo", err, errUnavailable)
		}
		{
			client := down(errUnavailable)
			err := retry.Run(ctx, client.Ping,
				retry.Deadline(10*time.Second),
				retry.Backoff(backoff.Constant(3*time.Second)))
			// A wait that would not end before the deadline is not started.
			want := []time.Duration{0, 3 * time.Second, 6 * time.Second, 9 * time.Second}
			if !slices.Equal(client.at, want) {
				t.Errorf("reflexio: calls at %v; want %v", client.at, want)
			}
			wantIs(t, "reflexio", err, retry.ErrDeadline, errUnavailable)
		}
	})
}

// go-retry retries only the errors marked RetryableError; reflexio retries
// every class but Permanent, and a classifier restores go-retry's rule.
func TestSethvargoOnlyMarkedErrorsRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errUnavailable)
			err := sethvargo.Do(ctx, sethvargo.NewConstant(time.Second), client.Ping)
			wantCalls(t, "sethvargo, unmarked", client, 1)
			wantSame(t, "sethvargo", err, errUnavailable)
		}
		{
			client := down(errUnavailable)
			_ = retry.Run(ctx, client.Ping, retry.MaxAttempts(4))
			wantCalls(t, "reflexio, default classifier", client, 4)
		}

		onlyMarked := classify.Chain(
			classify.Match(func(e classify.Classed) classify.Class {
				return e.RetryClass() // a classify.Mark… marker, or a Classed error of yours
			}),
			classify.Func(func(error) classify.Class {
				return classify.Permanent // anything else
			}),
		)
		{
			client := down(errUnavailable)
			err := retry.Run(ctx, client.Ping, retry.Classifier(onlyMarked))
			wantCalls(t, "reflexio, only marked, unmarked", client, 1)
			wantIs(t, "reflexio", err, retry.ErrPermanent, errUnavailable)
		}
		{
			client := down(errUnavailable)
			err := retry.Run(ctx, func(ctx context.Context) error {
				return classify.MarkTransient(client.Ping(ctx))
			}, retry.Classifier(onlyMarked), retry.MaxAttempts(4))
			wantCalls(t, "reflexio, only marked, marked", client, 4)
			wantIs(t, "reflexio", err, retry.ErrMaxAttempts, errUnavailable)
		}
	})
}

func TestSethvargoCancelLosesTheLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		{
			ctx, cancel := context.WithCancel(t.Context())
			client := down(errUnavailable)
			client.hook = func(call int) {
				if call == 2 {
					cancel()
				}
			}
			err := sethvargo.Do(ctx, sethvargo.NewConstant(time.Second), retryable(client.Ping))
			wantCalls(t, "sethvargo", client, 2)
			wantSame(t, "sethvargo", err, context.Canceled)
		}
		{
			ctx, cancel := context.WithCancel(t.Context())
			client := down(errUnavailable)
			client.hook = func(call int) {
				if call == 2 {
					cancel()
				}
			}
			err := retry.Run(ctx, client.Ping)
			wantCalls(t, "reflexio", client, 2)
			wantIs(t, "reflexio", err, retry.ErrCancelled, context.Canceled, errUnavailable)
		}
	})
}

func TestSethvargoBackoffShapes(t *testing.T) {
	const (
		base  = 100 * time.Millisecond
		limit = 5 * time.Second
	)
	// next returns the first n delays of a go-retry Backoff.
	next := func(b sethvargo.Backoff, n int) []time.Duration {
		var ds []time.Duration
		for range n {
			d, stop := b.Next()
			if stop {
				break
			}
			ds = append(ds, d)
		}
		return ds
	}
	delays := func(s backoff.Strategy, n int, random float64) []time.Duration {
		var ds []time.Duration
		for attempt := 1; attempt <= n; attempt++ {
			ds = append(ds, s.Delay(backoff.Input{Attempt: attempt, Random: random}))
		}
		return ds
	}

	t.Run("capped exponential", func(t *testing.T) {
		got := next(sethvargo.WithCappedDuration(limit, sethvargo.NewExponential(base)), 10)
		want := delays(backoff.Exponential(base, limit), 10, 0)
		if !slices.Equal(got, want) {
			t.Errorf("go-retry: %v; reflexio: %v", got, want)
		}
	})
	t.Run("constant", func(t *testing.T) {
		got := next(sethvargo.NewConstant(base), 5)
		want := delays(backoff.Constant(base), 5, 0)
		if !slices.Equal(got, want) {
			t.Errorf("go-retry: %v; reflexio: %v", got, want)
		}
	})
	t.Run("fibonacci", func(t *testing.T) {
		fibonacci := backoff.Func(func(in backoff.Input) time.Duration {
			prev, d := base, base
			for i := 1; i < in.Attempt && d < limit; i++ {
				prev, d = d, prev+d
			}
			return min(d, limit)
		})
		got := next(sethvargo.WithCappedDuration(limit, sethvargo.NewFibonacci(base)), 12)
		want := delays(fibonacci, 12, 0)
		if !slices.Equal(got, want) {
			t.Errorf("go-retry: %v; reflexio: %v", got, want)
		}
		if wantStart := []time.Duration{base, 2 * base, 3 * base, 5 * base, 8 * base}; !slices.Equal(got[:5], wantStart) {
			t.Errorf("go-retry starts %v; want %v", got[:5], wantStart)
		}
	})
	t.Run("full jitter", func(t *testing.T) {
		ceilings := next(sethvargo.WithCappedDuration(limit, sethvargo.NewExponential(base)), 10)
		full := backoff.FullJitter(base, limit)
		for i, c := range ceilings {
			in := backoff.Input{Attempt: i + 1}
			if lo := full.Delay(in); lo != 0 {
				t.Errorf("attempt %d: FullJitter's shortest = %v; want 0", i+1, lo)
			}
			in.Random = 1
			if hi := full.Delay(in); hi != c {
				t.Errorf("attempt %d: FullJitter's longest = %v; want %v, as go-retry's WithFullJitter", i+1, hi, c)
			}
		}
		b := sethvargo.WithFullJitter(sethvargo.WithCappedDuration(limit, sethvargo.NewExponential(base)))
		for i, d := range next(b, 10) {
			if d < 0 || d >= ceilings[i] {
				t.Errorf("go-retry: attempt %d: %v; want within [0, %v)", i+1, d, ceilings[i])
			}
		}
	})
}
