package bench

import (
	"context"
	"sync"
	"testing"
)

// TestConfigs checks that each library is configured as its scenarios say,
// by running each configuration with operations that count their calls.
func TestConfigs(t *testing.T) {
	ctx := context.Background()
	for _, l := range libs {
		t.Run(l.name, func(t *testing.T) {
			t.Run("success stops at the first attempt", func(t *testing.T) {
				for _, s := range []string{success, successBundle, successInline} {
					var calls counter
					v, err := l.run(s, ctx, countCalls(&calls, 0), nil)
					if v != 1 || err != nil || calls.get() != 1 {
						t.Errorf("%s: %d, %v after %d attempts; want 1, <nil> after 1", s, v, err, calls.get())
					}
				}
			})
			t.Run("bundle makes 5 attempts", func(t *testing.T) {
				for _, s := range []string{successBundle, successInline} {
					var calls counter
					_, err := l.run(s, ctx, countCalls(&calls, 100), nil)
					if err == nil || calls.get() != 5 {
						t.Errorf("%s: %v after %d attempts; want an error after 5", s, err, calls.get())
					}
				}
			})
			t.Run("retry3 succeeds at the third attempt", func(t *testing.T) {
				var calls counter
				events := 0
				for _, s := range []string{retry3, retry3Observed} {
					calls = counter{}
					v, err := l.run(s, ctx, countCalls(&calls, 2), &events)
					if v != 1 || err != nil || calls.get() != 3 {
						t.Errorf("%s: %d, %v after %d attempts; want 1, <nil> after 3", s, v, err, calls.get())
					}
				}
				// Two Retry events, and for reflexio a Success event.
				if events < 2 {
					t.Errorf("the subscriber saw %d events; want at least 2", events)
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
