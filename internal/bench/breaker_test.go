package bench

import (
	"errors"
	"testing"
	"time"

	failsafego "github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// The circuit breakers, compared on what a closed breaker adds to an
// attempt that succeeds, in each library's two forms: the form that asks
// before the attempt and is told after it (reflexio's Allow and
// Permit.Success, gobreaker's TwoStepCircuitBreaker.Allow and done,
// failsafe-go's TryAcquirePermit and RecordSuccess), on one goroutine
// (BreakerSuccess) and on all at once with one shared breaker
// (BreakerParallel); and the form that runs the operation
// (BreakerExecute: gobreaker's Execute, failsafe-go's executor; reflexio has
// none of its own, so the loop of the permit form with the operation in
// it).
//
// Each is configured alike, as far as it can be: a failure ratio of 50%
// over a 10s window of 10 buckets, with at least 20 calls, one probe when
// half-open, a 5s break. gobreaker has no minimum of calls in its
// ReadyToTrip's counts but what the function checks, so its ReadyToTrip
// checks it.

var (
	reflexioBreaker = breaker.New(reflexioBreakerConfig)

	// reflexioBreakerConfig is the others' model: no consecutive
	// failures mode, a ratio of 50% rather than the default 80%.
	reflexioBreakerConfig = breaker.Config{Name: "bench", FailureRatio: 0.5, ConsecutiveFailures: -1}

	gobreakerSettings = gobreaker.Settings{
		Name:         "bench",
		MaxRequests:  1,
		Interval:     10 * time.Second,
		BucketPeriod: time.Second,
		Timeout:      5 * time.Second,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.Requests >= 20 && c.TotalFailures*2 >= c.Requests
		},
	}
	gobreakerTwoStep = gobreaker.NewTwoStepCircuitBreaker[int](gobreakerSettings)
	gobreakerExecute = gobreaker.NewCircuitBreaker[int](gobreakerSettings)

	failsafeBreaker = circuitbreaker.NewBuilder[int]().
			WithFailureRateThreshold(0.5, 20, 10*time.Second).
			WithDelay(5 * time.Second).
			Build()
	failsafeBreakerExecutor = failsafego.With(failsafeBreaker)
)

// breakerLib is one library's breaker in the scenarios' shapes.
type breakerLib struct {
	name string
	// once asks the breaker for an attempt, calls op and tells it the
	// outcome, in the form that asks before and is told after.
	once func(op bareOp) (int, error)
	// execute runs op through the library's form that runs it.
	execute func(op bareOp) (int, error)
}

var breakerLibs = []breakerLib{
	{
		name: "reflexio",
		once: func(op bareOp) (int, error) {
			p, err := reflexioBreaker.Allow()
			if err != nil {
				return 0, err
			}
			v, err := op()
			if err != nil {
				p.Failure(classify.Transient, 0)
				return v, err
			}
			p.Success()
			return v, nil
		},
	},
	{
		name: "gobreaker",
		once: func(op bareOp) (int, error) {
			done, err := gobreakerTwoStep.Allow()
			if err != nil {
				return 0, err
			}
			v, err := op()
			done(err)
			return v, err
		},
		execute: func(op bareOp) (int, error) { return gobreakerExecute.Execute(op) },
	},
	{
		name: "failsafe",
		once: func(op bareOp) (int, error) {
			if !failsafeBreaker.TryAcquirePermit() {
				return 0, circuitbreaker.ErrOpen
			}
			v, err := op()
			if err != nil {
				failsafeBreaker.RecordFailure()
				return v, err
			}
			failsafeBreaker.RecordSuccess()
			return v, nil
		},
		execute: func(op bareOp) (int, error) { return failsafeBreakerExecutor.Get(op) },
	},
}

func BenchmarkBreakerSuccess(b *testing.B) {
	for _, l := range breakerLibs {
		b.Run("lib="+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.once(okBare); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBreakerParallel(b *testing.B) {
	for _, l := range breakerLibs {
		b.Run("lib="+l.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.once(okBare); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkBreakerExecute(b *testing.B) {
	for _, l := range breakerLibs {
		execute := l.execute
		if execute == nil {
			execute = l.once
		}
		b.Run("lib="+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := execute(okBare); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestBreakerConfigs checks that every breaker of the comparison lets
// successes through, and opens on failures as configured: after 20 calls,
// 10 successes then 10 failures, a ratio of 50%, the next is refused. Each
// gets breakers of its own, not the shared ones the benchmarks time.
func TestBreakerConfigs(t *testing.T) {
	errDown := errors.New("bench: down")
	down := func() (int, error) { return 0, errDown }
	fresh := map[string]func() breakerLib{
		"reflexio": func() breakerLib {
			br := breaker.New(reflexioBreakerConfig)
			return breakerLib{once: func(op bareOp) (int, error) {
				p, err := br.Allow()
				if err != nil {
					return 0, err
				}
				v, err := op()
				if err != nil {
					p.Failure(classify.Transient, 0)
					return v, err
				}
				p.Success()
				return v, nil
			}}
		},
		"gobreaker": func() breakerLib {
			cb := gobreaker.NewCircuitBreaker[int](gobreakerSettings)
			return breakerLib{once: func(op bareOp) (int, error) { return cb.Execute(op) }}
		},
		"failsafe": func() breakerLib {
			ex := failsafego.With(circuitbreaker.NewBuilder[int]().
				WithFailureRateThreshold(0.5, 20, 10*time.Second).
				WithDelay(5 * time.Second).
				Build())
			return breakerLib{once: func(op bareOp) (int, error) { return ex.Get(op) }}
		},
	}
	for _, l := range breakerLibs {
		t.Run(l.name, func(t *testing.T) {
			if _, err := l.once(okBare); err != nil {
				t.Fatalf("a success through the shared breaker: %v", err)
			}
			f := fresh[l.name]()
			for i := range 10 {
				if _, err := f.once(okBare); err != nil {
					t.Fatalf("success %d = %v; want nil", i+1, err)
				}
			}
			for i := range 10 {
				if _, err := f.once(down); !errors.Is(err, errDown) {
					t.Fatalf("failure %d = %v; want the operation's error", i+1, err)
				}
			}
			calls := 0
			_, err := f.once(func() (int, error) { calls++; return 1, nil })
			if err == nil || calls != 0 {
				t.Errorf("after 10 failures in 20 calls: %v, %d calls; want a refusal without a call", err, calls)
			}
		})
	}
}
