package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// An inner loop that retried and gave up has spent the attempts it was
// allowed: the enclosing loop does not retry the attempt that ran it, even
// when the operation hides the inner *Error behind an error of its own, as
// an operation that turns an HTTP response into an error does.
func TestInnerGiveUpIsNotRetriedByTheOuterLoop(t *testing.T) {
	zero := retry.Backoff(backoff.Constant(0))
	tests := []struct {
		name       string
		inner      []retry.Option
		wrap       func(error) error // what the outer operation makes of the inner error
		wantInner  int               // inner attempts in all
		wantOuter  int
		wantReason error
	}{
		{
			name:      "gave up after retrying, error hidden",
			inner:     []retry.Option{retry.MaxAttempts(3)},
			wrap:      func(err error) error { return classify.MarkTransient(fmt.Errorf("inner: %v", err)) },
			wantInner: 3, wantOuter: 1, wantReason: retry.ErrPermanent,
		},
		{
			name:      "gave up after retrying, error kept",
			inner:     []retry.Option{retry.MaxAttempts(3)},
			wrap:      func(err error) error { return err },
			wantInner: 3, wantOuter: 1, wantReason: retry.ErrPermanent,
		},
		{
			// A layer that did not retry (a request it must not repeat, say)
			// leaves the choice to the caller's loop.
			name:      "inner did not retry",
			inner:     []retry.Option{retry.MaxAttempts(1)},
			wrap:      func(err error) error { return classify.MarkTransient(fmt.Errorf("inner: %v", err)) },
			wantInner: 3, wantOuter: 3, wantReason: retry.ErrMaxAttempts,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				inner, outer := 0, 0
				err := retry.Run(t.Context(), func(ctx context.Context) error {
					outer++
					err := retry.Run(ctx, func(context.Context) error {
						inner++
						return transient
					}, append([]retry.Option{zero}, tt.inner...)...)
					return tt.wrap(err)
				}, zero, retry.MaxAttempts(3))
				if !errors.Is(err, tt.wantReason) || inner != tt.wantInner || outer != tt.wantOuter {
					t.Errorf("outer Run = %v after %d outer and %d inner attempts; want %v after %d and %d",
						err, outer, inner, tt.wantReason, tt.wantOuter, tt.wantInner)
				}
			})
		})
	}
}

// An inner loop whose budget refused a retry declined it for the
// downstream's sake: the outer loop does not make that retry instead.
func TestInnerBudgetRefusalIsNotRetriedByTheOuterLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		zero := retry.Backoff(backoff.Constant(0))
		budget := retry.NewBudget(0.1, 1)
		fail := func(context.Context) error { return transient }
		for i := 0; !errors.Is(retry.Run(t.Context(), fail, zero, budget), retry.ErrBudgetExhausted); i++ {
			if i == 1000 {
				t.Fatal("the budget refused no retry in 1000 failing calls")
			}
		}
		var innerErr error
		outer := 0
		err := retry.Run(t.Context(), func(ctx context.Context) error {
			outer++
			innerErr = retry.Run(ctx, fail, zero, budget)
			return classify.MarkTransient(fmt.Errorf("inner: %v", innerErr))
		}, zero, retry.MaxAttempts(3))
		if !errors.Is(innerErr, retry.ErrBudgetExhausted) {
			t.Fatalf("inner Run = %v; want ErrBudgetExhausted", innerErr)
		}
		if !errors.Is(err, retry.ErrPermanent) || outer != 1 {
			t.Errorf("outer Run = %v after %d attempts; want ErrPermanent after 1", err, outer)
		}
	})
}

// An inner loop that the outer attempt's timeout cut short did not give up
// of its own accord: the outer loop retries as usual.
func TestInnerLoopCutByTheOuterAttemptTimeoutIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		outer := 0
		err := retry.Run(t.Context(), func(ctx context.Context) error {
			outer++
			return retry.Run(ctx, func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			}, retry.Backoff(backoff.Constant(0)))
		}, retry.AttemptTimeout(time.Second), retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)))
		if !errors.Is(err, retry.ErrMaxAttempts) || outer != 3 {
			t.Errorf("outer Run = %v after %d attempts; want ErrMaxAttempts after 3", err, outer)
		}
	})
}

// A success after an inner give-up (a fallback, say) is a success.
func TestInnerGiveUpThenSuccessIsASuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v, err := retry.Do(t.Context(), func(ctx context.Context) (int, error) {
			retry.Run(ctx, func(context.Context) error { return transient },
				retry.MaxAttempts(2), retry.Backoff(backoff.Constant(0)))
			return 7, nil
		})
		if v != 7 || err != nil {
			t.Errorf("Do(…) = %v, %v; want 7, nil", v, err)
		}
	})
}

// The word that a loop gave up goes up through every layer, even when each
// layer makes an error of its own of what the layer below returned.
func TestInnerGiveUpReachesEveryLayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		zero := retry.Backoff(backoff.Constant(0))
		hide := func(err error) error { return classify.MarkTransient(fmt.Errorf("%v", err)) }
		inner, middle, outer := 0, 0, 0
		err := retry.Run(t.Context(), func(ctx context.Context) error {
			outer++
			return hide(retry.Run(ctx, func(ctx context.Context) error {
				middle++
				return hide(retry.Run(ctx, func(context.Context) error {
					inner++
					return transient
				}, zero, retry.MaxAttempts(2)))
			}, zero, retry.MaxAttempts(2)))
		}, zero, retry.MaxAttempts(2))
		if !errors.Is(err, retry.ErrPermanent) || outer != 1 || middle != 1 || inner != 2 {
			t.Errorf("Run = %v after %d/%d/%d attempts (outer/middle/inner); want ErrPermanent after 1/1/2", err, outer, middle, inner)
		}
	})
}
