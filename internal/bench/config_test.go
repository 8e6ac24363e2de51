package bench

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestConfigs checks that each library is configured as its scenarios say,
// by running each configuration with operations that count their calls.
func TestConfigs(t *testing.T) {
	ctx := context.Background()
	for _, l := range libs {
		t.Run(l.name, func(t *testing.T) {
			t.Run("success stops at the first attempt", func(t *testing.T) {
				for _, s := range []string{success, successReused, successBundle} {
					var calls counter
					v, err := l.run(s, ctx, countCalls(&calls, 0), nil)
					if v != 1 || err != nil || calls.get() != 1 {
						t.Errorf("%s: %d, %v after %d attempts; want 1, <nil> after 1", s, v, err, calls.get())
					}
				}
			})
			t.Run("every policy makes 5 attempts", func(t *testing.T) {
				events := 0
				for _, s := range []string{success, successReused, successBundle, retry3Observed} {
					var calls counter
					_, err := l.run(s, ctx, countCalls(&calls, 100), &events)
					if err == nil || calls.get() != 5 {
						t.Errorf("%s: %v after %d attempts; want an error after 5", s, err, calls.get())
					}
				}
			})
			t.Run("retry3 succeeds at the third attempt", func(t *testing.T) {
				events := 0
				for _, s := range []string{retry3, retry3Reused, retry3Bundle, retry3Observed} {
					var calls counter
					v, err := l.run(s, ctx, countCalls(&calls, 2), &events)
					if v != 1 || err != nil || calls.get() != 3 {
						t.Errorf("%s: %d, %v after %d attempts; want 1, <nil> after 3", s, v, err, calls.get())
					}
				}
				// Two Retry events, counted by every library.
				if events < 2 {
					t.Errorf("the subscriber saw %d events; want at least 2", events)
				}
			})
			t.Run("only the bundle has an overall limit", func(t *testing.T) {
				// Attempts of 20 minutes each, on the fake clock: a limit
				// of a minute stops the bundle after one or two of them
				// (reflexio's counts from the first failure); a default
				// limit, such as backoff's 15 minutes or reflexio's
				// minute, would stop the others.
				synctest.Test(t, func(t *testing.T) {
					for _, s := range []string{success, successReused, successBundle, retry3Observed} {
						var calls counter
						events := 0
						fail := countCalls(&calls, 100)
						slow := func(ctx context.Context) (int, error) {
							time.Sleep(20 * time.Minute)
							return fail(ctx)
						}
						_, err := l.run(s, ctx, slow, &events)
						switch limited := s == successBundle && l.limit; {
						case err == nil:
							t.Errorf("%s: no error after %d attempts", s, calls.get())
						case limited && calls.get() > 2:
							t.Errorf("%s: %d attempts of 20 minutes; want at most 2 within a minute", s, calls.get())
						case !limited && calls.get() != 5:
							t.Errorf("%s: %d attempts of 20 minutes; want 5, with no time limit", s, calls.get())
						}
					}
				})
			})
			t.Run("the call's context reaches the library", func(t *testing.T) {
				// A context cancelled before the call stops every form
				// that takes the call's context before the attempt cap
				// does. The forms of a library that binds its context when
				// its policy is built take none: they run to the cap.
				cancelled, cancel := context.WithCancel(ctx)
				cancel()
				events := 0
				for _, s := range []string{success, successReused, successBundle, retry3Observed} {
					var calls counter
					_, err := l.run(s, cancelled, countCalls(&calls, 100), &events)
					bound := l.sharedCtx && s != success
					switch {
					case err == nil:
						t.Errorf("%s: no error after %d attempts", s, calls.get())
					case !bound && calls.get() > 1:
						t.Errorf("%s: %d attempts with a cancelled context; want at most 1", s, calls.get())
					case bound && calls.get() != 5:
						t.Errorf("%s: %d attempts with a cancelled context it does not take; want 5", s, calls.get())
					}
				}
			})
			t.Run("one bundle serves parallel calls", func(t *testing.T) {
				var calls counter
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						for range 50 {
							if _, err := l.run(parallel, ctx, countCalls(&calls, 0), nil); err != nil {
								t.Error(err)
							}
						}
					})
				}
				wg.Wait()
				if calls.get() != 200 {
					t.Errorf("%d attempts; want 200", calls.get())
				}
			})
		})
	}
	for _, l := range resultLibs {
		t.Run(l.name+"/results", func(t *testing.T) { checkResults(t, l) })
	}
}

// countCalls returns an operation that fails with errBench fails times, then
// succeeds with 1, counting its calls in c.
func countCalls(c *counter, fails int) ctxOp {
	var mu sync.Mutex
	n := 0
	return func(context.Context) (int, error) {
		c.add()
		mu.Lock()
		defer mu.Unlock()
		if n++; n <= fails {
			return 0, errBench
		}
		return 1, nil
	}
}
