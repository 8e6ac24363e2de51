package backoff

import (
	"fmt"
	"math"
	"time"
)

// The jitter families of "Exponential Backoff And Jitter" (Marc Brooker, AWS
// Architecture Blog, 2015). All of them apply their jitter inside the cap:
// every delay is within [0, cap], and a saturated strategy still spreads its
// delays below the cap instead of returning the cap itself, so clients that
// hit the cap together do not retry together.

// FullJitter returns a Strategy that waits a uniformly random time in
// [0, min(cap, base·2^(attempt-1))). It spreads retries the most and makes
// the fewest calls under contention; its delays can be very short.
func FullJitter(base, cap time.Duration) Strategy { return fullJitter{base, cap} }

type fullJitter struct{ base, cap time.Duration }

func (j fullJitter) Delay(in Input) time.Duration {
	ceil := math.Min(grow(j.base, 2, in.Attempt), float64(j.cap))
	return clamp(between(0, ceil, in.Random), j.cap)
}

func (j fullJitter) String() string {
	return fmt.Sprintf("backoff.FullJitter(%v, %v)", j.base, j.cap)
}

// Validate reports a negative base or cap, or a cap below base.
func (j fullJitter) Validate() error { return checkBaseCap(j.base, j.cap) }

// EqualJitter returns a Strategy that waits half of
// t = min(cap, base·2^(attempt-1)) plus a uniformly random time in [0, t/2):
// a delay in [t/2, t). It never retries sooner than half the exponential
// delay.
func EqualJitter(base, cap time.Duration) Strategy { return equalJitter{base, cap, 2} }

// EqualJitterGrowth is EqualJitter with the exponential factor set to growth
// instead of 2: t = min(cap, base·growth^(attempt-1)). Growth 1.5 with a 20s
// cap is the Python reflexio's token_backoff:
//
//	backoff.EqualJitterGrowth(100*time.Millisecond, 20*time.Second, 1.5)
func EqualJitterGrowth(base, cap time.Duration, growth float64) Strategy {
	return equalJitter{base, cap, growth}
}

type equalJitter struct {
	base, cap time.Duration
	growth    float64
}

func (j equalJitter) Delay(in Input) time.Duration {
	t := math.Min(grow(j.base, j.growth, in.Attempt), float64(j.cap))
	return clamp(between(t/2, t, in.Random), j.cap)
}

func (j equalJitter) String() string {
	if j.growth == 2 {
		return fmt.Sprintf("backoff.EqualJitter(%v, %v)", j.base, j.cap)
	}
	return fmt.Sprintf("backoff.EqualJitterGrowth(%v, %v, %v)", j.base, j.cap, j.growth)
}

// Validate reports a negative base or cap, a cap below base, or a growth
// factor below 1 (or NaN or infinite).
func (j equalJitter) Validate() error {
	if !(j.growth >= 1) || math.IsInf(j.growth, 0) {
		return fmt.Errorf("growth %v must be a finite number of at least 1", j.growth)
	}
	return checkBaseCap(j.base, j.cap)
}

// DecorrelatedJitter returns a Strategy that waits a uniformly random time
// in [base, 3·prev), where prev is the previous delay (base before the first
// retry), capped at cap. Each delay grows from the last one actually waited
// rather than from the attempt number, which spreads clients well and keeps
// delays from collapsing to zero. It is the default strategy of the retry
// loop, with base 250ms and cap 30s.
func DecorrelatedJitter(base, cap time.Duration) Strategy { return decorrelatedJitter{base, cap} }

type decorrelatedJitter struct{ base, cap time.Duration }

func (j decorrelatedJitter) Delay(in Input) time.Duration {
	prev := max(in.Prev, j.base)
	return clamp(between(float64(j.base), 3*float64(prev), in.Random), j.cap)
}

func (j decorrelatedJitter) String() string {
	return fmt.Sprintf("backoff.DecorrelatedJitter(%v, %v)", j.base, j.cap)
}

// Validate reports a negative base or cap, or a cap below base.
func (j decorrelatedJitter) Validate() error { return checkBaseCap(j.base, j.cap) }
