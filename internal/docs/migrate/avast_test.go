package migrate

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	avast "github.com/avast/retry-go/v4"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// The tests of this file run avast/retry-go v4 and reflexio on the same
// failures; migrating-from-avast-retry-go.md quotes them.

func TestAvastBasicLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			err := avast.Do(func() error {
				return client.Ping(ctx)
			}, avast.Context(ctx))
			if err != nil {
				t.Errorf("avast: %v", err)
			}
			wantCalls(t, "avast", client, 3)
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

func TestAvastTypedResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := flaky(2, errUnavailable)
			user, err := avast.DoWithData(func() (User, error) {
				return client.GetUser(ctx, 42)
			}, avast.Context(ctx))
			if err != nil || user.ID != 42 {
				t.Errorf("avast: %v, %v; want user 42", user, err)
			}
			wantCalls(t, "avast", client, 3)
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

func TestAvastAttemptsCountsAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errUnavailable)
			err := avast.Do(func() error { return client.Ping(ctx) },
				avast.Context(ctx), avast.Attempts(4))
			wantCalls(t, "avast", client, 4)
			var all avast.Error
			if !errors.As(err, &all) || len(all) != 4 {
				t.Errorf("avast: err = %#v; want an avast.Error of 4 errors", err)
			}
			if errors.Unwrap(err) != errUnavailable {
				t.Errorf("avast: errors.Unwrap(err) = %v; want the last error", errors.Unwrap(err))
			}
		}
		{
			client := down(errUnavailable)
			err := avast.Do(func() error { return client.Ping(ctx) },
				avast.Context(ctx), avast.Attempts(4), avast.LastErrorOnly(true))
			wantSame(t, "avast", err, errUnavailable)
		}
		{
			client := down(errUnavailable)
			err := retry.Run(ctx, client.Ping, retry.MaxAttempts(4))
			wantCalls(t, "reflexio", client, 4)
			var rerr *retry.Error
			if !errors.As(err, &rerr) || rerr.Last != errUnavailable || rerr.Attempts != 4 {
				t.Errorf("reflexio: err = %#v; want a *retry.Error after 4 attempts, errUnavailable last", err)
			}
		}
	})
}

func TestAvastUntilSucceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		{
			ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
			defer cancel()
			client := flaky(20, errUnavailable)
			err := avast.Do(func() error { return client.Ping(ctx) },
				avast.Context(ctx), avast.Attempts(0), avast.MaxDelay(30*time.Second))
			if err != nil {
				t.Errorf("avast: %v", err)
			}
			wantCalls(t, "avast", client, 21)
		}
		{
			ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
			defer cancel()
			client := flaky(20, errUnavailable)
			err := retry.Run(ctx, client.Ping,
				retry.MaxAttempts(math.MaxInt), retry.NoDeadline())
			if err != nil {
				t.Errorf("reflexio: %v", err)
			}
			wantCalls(t, "reflexio", client, 21)
		}
	})
}

func TestAvastUnrecoverable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errInvalid)
			err := avast.Do(func() error {
				err := client.Ping(ctx)
				if errors.Is(err, errInvalid) {
					return avast.Unrecoverable(err)
				}
				return err
			}, avast.Context(ctx))
			wantCalls(t, "avast", client, 1)
			wantIs(t, "avast", err, errInvalid)
			if err.Error() != "All attempts fail:\n#1: invalid id" {
				t.Errorf("avast: err = %q", err)
			}
		}
		{
			client := down(errInvalid)
			err := retry.Run(ctx, func(ctx context.Context) error {
				err := client.Ping(ctx)
				if errors.Is(err, errInvalid) {
					return classify.MarkPermanent(err)
				}
				return err
			})
			wantCalls(t, "reflexio", client, 1)
			wantIs(t, "reflexio", err, retry.ErrPermanent, errInvalid)
			if err.Error() != "retry: permanent error after 1 attempt: invalid id" {
				t.Errorf("reflexio: err = %q", err)
			}
		}
	})
}

func TestAvastRetryIf(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errInvalid)
			err := avast.Do(func() error { return client.Ping(ctx) },
				avast.Context(ctx),
				avast.RetryIf(func(err error) bool {
					return !errors.Is(err, errInvalid)
				}))
			wantCalls(t, "avast", client, 1)
			wantIs(t, "avast", err, errInvalid)
		}
		{
			client := down(errInvalid)
			err := retry.Run(ctx, client.Ping,
				retry.Classifier(classify.Chain(
					classify.Is(errInvalid, classify.Permanent),
					classify.Default(),
				)))
			wantCalls(t, "reflexio", client, 1)
			wantIs(t, "reflexio", err, retry.ErrPermanent, errInvalid)
		}
	})
}

func TestAvastAttemptsForError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			client := down(errLocked)
			err := avast.Do(func() error { return client.Ping(ctx) },
				avast.Context(ctx), avast.AttemptsForError(2, errLocked))
			wantCalls(t, "avast", client, 2)
			wantIs(t, "avast", err, errLocked)
		}
		{
			client := down(errLocked)
			err := retry.Run(ctx, client.Ping,
				retry.Classifier(classify.Chain(
					classify.Is(errLocked, classify.Concurrency),
					classify.Default(),
				)),
				retry.MaxAttemptsFor(classify.Concurrency, 2))
			wantCalls(t, "reflexio", client, 2)
			wantIs(t, "reflexio", err, retry.ErrMaxClassAttempts, errLocked)
		}
	})
}

func TestAvastOnRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		{
			var seen []uint
			client := down(errUnavailable)
			_ = avast.Do(func() error { return client.Ping(ctx) },
				avast.Context(ctx), avast.Attempts(3),
				avast.OnRetry(func(n uint, err error) { seen = append(seen, n) }))
			// Numbered from 0, and called after the last attempt too.
			if want := []uint{0, 1, 2}; !slices.Equal(seen, want) {
				t.Errorf("avast: OnRetry saw %v; want %v", seen, want)
			}
		}
		{
			var seen []int
			client := down(errUnavailable)
			_ = retry.Run(ctx, client.Ping, retry.MaxAttempts(3),
				retry.Subscribe(observe.Func(func(e observe.Retry) {
					seen = append(seen, e.Attempt)
				})))
			// Numbered from 1, and only when a retry follows.
			if want := []int{1, 2}; !slices.Equal(seen, want) {
				t.Errorf("reflexio: Retry events for attempts %v; want %v", seen, want)
			}
		}
	})
}

func TestAvastEveryAttemptsError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		client := &service{fail: []error{errUnavailable, errThrottled}, always: errInvalid, start: time.Now()}
		isPermanent := retry.Classifier(classify.Chain(
			classify.Is(errInvalid, classify.Permanent),
			classify.Default(),
		))

		var errs []error
		collect := observe.Func(func(e observe.Retry) { errs = append(errs, e.Err) })
		err := retry.Run(ctx, client.Ping, isPermanent, retry.Subscribe(collect))
		var rerr *retry.Error
		if errors.As(err, &rerr) && rerr.Last != nil {
			errs = append(errs, rerr.Last)
		}

		if want := []error{errUnavailable, errThrottled, errInvalid}; !slices.Equal(errs, want) {
			t.Errorf("reflexio: collected %v; want %v", errs, want)
		}
	})
}

func TestAvastCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		{
			ctx, cancel := context.WithCancel(t.Context())
			client := down(errUnavailable)
			client.hook = func(call int) {
				if call == 2 {
					cancel()
				}
			}
			err := avast.Do(func() error { return client.Ping(ctx) }, avast.Context(ctx))
			wantCalls(t, "avast", client, 2)
			var all avast.Error
			if !errors.As(err, &all) || len(all) != 3 || all[2] != context.Canceled {
				t.Errorf("avast: err = %#v; want the 2 attempts' errors and context.Canceled", err)
			}
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

// recordingTimer is an avast.Timer that does not wait and records the waits
// it was asked for.
type recordingTimer struct{ waits []time.Duration }

func (r *recordingTimer) After(d time.Duration) <-chan time.Time {
	r.waits = append(r.waits, d)
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func TestAvastDelayShapes(t *testing.T) {
	const (
		d     = 100 * time.Millisecond
		limit = time.Second
	)
	waits := func(opts ...avast.Option) []time.Duration {
		timer := &recordingTimer{}
		opts = append(opts, avast.Attempts(8), avast.WithTimer(timer))
		_ = avast.Do(func() error { return errUnavailable }, opts...)
		return timer.waits
	}
	delays := func(s backoff.Strategy, random float64) []time.Duration {
		var ds []time.Duration
		for attempt := 1; attempt <= 7; attempt++ {
			ds = append(ds, s.Delay(backoff.Input{Attempt: attempt, Random: random}))
		}
		return ds
	}

	t.Run("the default adds up to 100ms to an uncapped exponential", func(t *testing.T) {
		for i, w := range waits() {
			lo := d << i // Delay(100ms) doubled at every retry
			if w < lo || w >= lo+100*time.Millisecond {
				t.Errorf("avast wait %d = %v; want within [%v, %v)", i+1, w, lo, lo+100*time.Millisecond)
			}
		}
	})
	t.Run("RandomDelay is Jitter over Constant", func(t *testing.T) {
		j := 50 * time.Millisecond
		got := waits(avast.MaxJitter(j), avast.DelayType(avast.RandomDelay))
		spread := backoff.Jitter(1, backoff.Constant(j))
		lo, hi := spread.Delay(backoff.Input{Random: 0}), spread.Delay(backoff.Input{Random: 1})
		for i, w := range got {
			if w < lo || w > hi {
				t.Errorf("avast wait %d = %v; want within [%v, %v], as Jitter(1, Constant(%v))", i+1, w, lo, hi, j)
			}
		}
	})
	t.Run("BackOffDelay is Exponential", func(t *testing.T) {
		got := waits(avast.Delay(d), avast.MaxDelay(limit), avast.DelayType(avast.BackOffDelay))
		want := delays(backoff.Exponential(d, limit), 0)
		if !slices.Equal(got, want) {
			t.Errorf("avast waited %v; reflexio's Exponential waits %v", got, want)
		}
	})
	t.Run("FixedDelay is Constant", func(t *testing.T) {
		got := waits(avast.Delay(d), avast.DelayType(avast.FixedDelay))
		want := delays(backoff.Constant(d), 0)
		if !slices.Equal(got, want) {
			t.Errorf("avast waited %v; reflexio's Constant waits %v", got, want)
		}
	})
	t.Run("FullJitterBackoffDelay is FullJitter from twice the delay", func(t *testing.T) {
		// avast's first ceiling is twice its Delay: FullJitter(2*d, limit).
		ceilings := delays(backoff.FullJitter(2*d, limit), 1)
		var highest time.Duration
		for range 200 {
			got := waits(avast.Delay(d), avast.MaxDelay(limit), avast.DelayType(avast.FullJitterBackoffDelay))
			for i, w := range got {
				if w < 0 || w > ceilings[i] {
					t.Fatalf("avast wait %d = %v; want within [0, %v]", i+1, w, ceilings[i])
				}
			}
			highest = max(highest, got[0])
		}
		if highest <= d {
			t.Errorf("avast's first waits were all at most %v; want some above it, up to %v", d, 2*d)
		}
	})
}
