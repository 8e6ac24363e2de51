package breaker

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// end ends p with an outcome drawn from r: a success, a failure of any
// class (a RateLimit with or without a hint), or a cancellation. It
// returns the class if p ended in a failure, and whether it did.
func end(r *rand.Rand, p *Permit) (classify.Class, bool) {
	switch r.IntN(4) {
	case 0:
		p.Success()
	case 1:
		p.Cancel()
	default:
		c := classify.Class(r.IntN(classify.NumClasses))
		var hint time.Duration
		if c == classify.RateLimit && r.IntN(3) == 0 {
			hint = time.Duration(r.Int64N(int64(3 * time.Second)))
		}
		p.Failure(c, hint)
		return c, true
	}
	return 0, false
}

// TestPropertySequences drives breakers through seeded random sequences
// of Allow, outcomes and time, and checks after every step that:
//   - a half-open breaker has at most HalfOpenProbes probes in flight;
//   - an open breaker whose break is over admits a probe on the next Allow,
//     and one that refuses names a time to come;
//   - a closed breaker opens only on a failure of a class that counts.
func TestPropertySequences(t *testing.T) {
	for seed := range uint64(64) {
		synctest.Test(t, func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, seed))
			cfg := Config{
				MinCalls: 1 + r.IntN(30), ConsecutiveFailures: r.IntN(12) - 1, FailureRatio: 0.1 + 0.9*r.Float64(),
				Window: time.Duration(1+r.IntN(20)) * time.Second, BreakDuration: time.Duration(1+r.IntN(5000)) * time.Millisecond,
				HalfOpenProbes: 1 + r.IntN(4), SuccessesToClose: r.IntN(5),
			}
			if r.IntN(2) == 0 {
				cfg.Classes = []classify.Class{classify.Transient, classify.Concurrency}
			}
			b := New(cfg)
			if err := b.Err(); err != nil {
				t.Fatal(err)
			}
			var held []Permit
			for step := range 1500 {
				before := b.State()
				switch op := r.IntN(10); {
				case op < 4:
					due := before == observe.BreakerOpen && b.now() >= b.until.Load()
					p, err := b.Allow()
					switch {
					case err == nil:
						held = append(held, p)
					case due:
						t.Fatalf("seed %d step %d: open past its break, Allow() = %v; want a probe", seed, step, err)
					default:
						oe, ok := errors.AsType[*OpenError](err)
						if !ok || oe.Wait <= 0 || !oe.Until.After(time.Now()) {
							t.Fatalf("seed %d step %d: Allow() = %v; want an *OpenError with a time to come", seed, step, err)
						}
						if b.State() == observe.BreakerHalfOpen && b.inflight < b.s.probes {
							t.Fatalf("seed %d step %d: half-open with %d of %d probes refused", seed, step, b.inflight, b.s.probes)
						}
					}
				case op < 8 && len(held) > 0:
					i := r.IntN(len(held))
					p := held[i]
					held = append(held[:i], held[i+1:]...)
					c, failed := end(r, &p)
					if before == observe.BreakerClosed && b.State() == observe.BreakerOpen && (!failed || !b.counts(c)) {
						t.Fatalf("seed %d step %d: opened on an outcome that does not count (class %v, failed %v)", seed, step, c, failed)
					}
				default:
					time.Sleep(time.Duration(r.Int64N(int64(2 * time.Second))))
				}
				if s := b.State(); s == observe.BreakerHalfOpen {
					n := 0
					for _, p := range held {
						if p.gen == b.word.Load() {
							n++
						}
					}
					if n > b.s.probes || n != b.inflight {
						t.Fatalf("seed %d step %d: %d probes held, %d in flight; want them equal and at most %d", seed, step, n, b.inflight, b.s.probes)
					}
				}
			}
		})
	}
}

// TestPropertyUncountedClassesNeverOpen: whatever the sequence, failures
// of classes that do not count, successes and cancellations leave the
// breaker closed.
func TestPropertyUncountedClassesNeverOpen(t *testing.T) {
	for seed := range uint64(20) {
		synctest.Test(t, func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 1))
			b := New(Config{MinCalls: 1, ConsecutiveFailures: 1, FailureRatio: 0.01})
			for range 2000 {
				p := allow(t, b)
				switch r.IntN(4) {
				case 0:
					p.Failure(classify.Permanent, time.Hour)
				case 1:
					p.Failure(classify.Concurrency, time.Hour)
				case 2:
					p.Cancel()
				default:
					p.Success()
				}
				if r.IntN(10) == 0 {
					time.Sleep(time.Duration(r.Int64N(int64(time.Minute))))
				}
			}
			wantState(t, b, observe.BreakerClosed)
		})
	}
}

// TestConcurrentProbesBounded: many goroutines calling through one breaker
// at once, with random outcomes and times, never hold more probes of one
// half-open state than HalfOpenProbes. Run with -race.
func TestConcurrentProbesBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const probes = 3
		b := New(Config{HalfOpenProbes: probes, SuccessesToClose: 5, FailureRatio: 0.5, MinCalls: 10, BreakDuration: 100 * time.Millisecond, Window: time.Second})
		var (
			mu      sync.Mutex
			held    = map[uint64]int{} // half-open generation → probes held
			most    int
			probed  int
			refusal int
		)
		var wg sync.WaitGroup
		for g := range 10_000 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(uint64(g), 2))
				for range 5 {
					p, err := b.Allow()
					if err != nil {
						mu.Lock()
						refusal++
						mu.Unlock()
						time.Sleep(time.Duration(r.Int64N(int64(50 * time.Millisecond))))
						continue
					}
					probe := p.gen&stateMask == stHalfOpen
					if probe {
						mu.Lock()
						held[p.gen]++
						most = max(most, held[p.gen])
						probed++
						mu.Unlock()
					}
					time.Sleep(time.Duration(r.Int64N(int64(20 * time.Millisecond))))
					if probe {
						mu.Lock()
						held[p.gen]--
						mu.Unlock()
					}
					if r.IntN(3) == 0 {
						p.Failure(classify.ServerError, 0)
					} else {
						end(r, &p)
					}
				}
			})
		}
		wg.Wait()
		if most > probes {
			t.Errorf("%d probes of one half-open state at once; want at most %d", most, probes)
		}
		if probed == 0 || refusal == 0 {
			t.Errorf("%d probes, %d refusals; want the breaker to have opened and probed", probed, refusal)
		}
		if b.inflight < 0 || b.inflight > probes {
			t.Errorf("probes in flight at the end = %d", b.inflight)
		}
	})
}
