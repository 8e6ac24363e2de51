package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// A Downstream is what the innermost layer of a simulated request calls: a
// flaky dependency, a server of fixed capacity, a contended record. Call
// runs on the calling process and may park it; it returns nil for success
// or an error that the default classifier classifies as the real one would
// be: a 503 as ServerError, a client timeout as Transient, a 429 with a
// Retry-After hint as RateLimit, a write conflict as Concurrency.
type Downstream interface {
	Call(ctx context.Context) error
}

// The errors of the downstreams, before the classify marker that each
// carries.
var (
	ErrUnavailable = errors.New("sim: 503 service unavailable")
	ErrTimeout     = errors.New("sim: client timed out")
	ErrOverloaded  = errors.New("sim: 429 too many requests")
	ErrConflict    = errors.New("sim: write conflict")
)

// A Window is an interval of virtual time, [From, To), since the start of a
// run. The zero Window is empty.
type Window struct {
	From, To time.Duration
}

// Contains reports whether t is within w.
func (w Window) Contains(t time.Duration) bool { return t >= w.From && t < w.To }

// Empty reports whether w contains no time.
func (w Window) Empty() bool { return w.To <= w.From }

// Flaky is a dependency of unbounded capacity whose every call takes
// Latency and fails, independently of every other, with probability P, or
// with certainty during Outage. A failure is a 503 (ServerError).
type Flaky struct {
	P       float64
	Latency time.Duration
	Outage  Window
}

type flaky struct {
	Flaky
	s    *Scheduler
	rand *rand.Rand
}

func (f *flaky) Call(ctx context.Context) error {
	fail := f.Outage.Contains(f.s.Elapsed()) || f.rand.Float64() < f.P
	if !f.s.Sleep(ctx, f.Latency) {
		return ctx.Err()
	}
	if fail {
		return classify.MarkServerError(ErrUnavailable)
	}
	return nil
}
