package retry_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// One bundle, with its subscriber, classifier and strategy, serves many
// goroutines at once. Run with -race.
func TestOneBundleSharedByManyGoroutines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 50
		var rec observe.Recorder
		var delays atomic.Int64
		jitter := backoff.DecorrelatedJitter(time.Second, 10*time.Second)
		shared := backoff.Func(func(in backoff.Input) time.Duration {
			delays.Add(1)
			return jitter.Delay(in)
		})
		bundle := retry.Options(retry.MaxAttempts(3), retry.Backoff(shared), retry.Subscribe(&rec), retry.Name("shared"))

		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				f := newOp(transient, transient) // succeeds at attempt 3
				if i%2 == 1 {
					f = newOp(repeat(transient, 3)...) // fails attempt 3
				}
				_, errs[i] = retry.Do(t.Context(), f.do, bundle)
			})
		}
		wg.Wait()

		for i, err := range errs {
			if want := i%2 == 1; errors.Is(err, retry.ErrMaxAttempts) != want {
				t.Errorf("goroutine %d: Do(…) = %v; want ErrMaxAttempts: %v", i, err, want)
			}
		}
		counts := map[observe.Kind]int{}
		for _, e := range rec.Events() {
			counts[e.Kind()]++
		}
		want := map[observe.Kind]int{
			observe.KindRetry:               2 * n,
			observe.KindSuccess:             n / 2,
			observe.KindMaxAttemptsExceeded: n / 2,
		}
		for k, w := range want {
			if counts[k] != w {
				t.Errorf("%v events = %d; want %d", k, counts[k], w)
			}
		}
		if got := len(rec.Events()); got != 3*n {
			t.Errorf("%d events in all; want %d", got, 3*n)
		}
		if got := delays.Load(); got != 2*n {
			t.Errorf("strategy asked %d times; want %d", got, 2*n)
		}
	})
}
