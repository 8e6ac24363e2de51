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

// FullJitter returns a Strategy that waits a uniformly random time between
// 0 and t = min(cap, base·2^(attempt-1)): Random·t, within [0, t] and so
// within [0, cap]. It spreads retries the most and makes the fewest calls
// under contention; its delays can be very short.
func FullJitter(base, cap time.Duration) Strategy { return fullJitter{base, cap} }

type fullJitter struct{ base, cap time.Duration }

func (j fullJitter) Delay(in Input) time.Duration {
	t := ceiling(j.base, j.cap, 2, in.Attempt)
	return clamp(between(0, float64(t), in.Random), 0, t)
}

func (j fullJitter) String() string {
	return fmt.Sprintf("backoff.FullJitter(%v, %v)", j.base, j.cap)
}

// Validate reports a negative base or cap, or a cap below base.
func (j fullJitter) Validate() error { return checkBaseCap(j, j.base, j.cap) }

// EqualJitter returns a Strategy that waits half of
// t = min(cap, base·2^(attempt-1)) plus a uniformly random time up to the
// other half: t/2 + Random·t/2, within [t/2, t] and so within [0, cap]. It
// never retries sooner than half the exponential delay.
func EqualJitter(base, cap time.Duration) Strategy { return equalJitter{base, cap, 2} }

// EqualJitterGrowth is EqualJitter with the exponential factor set to growth
// instead of 2: t = min(cap, base·growth^(attempt-1)), and a delay within
// [t/2, t]. Growth 1 keeps t at base; growth must be finite and at least 1.
// Growth 1.5 with a 20s cap is the Python reflexio's token_backoff:
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
	t := ceiling(j.base, j.cap, j.growth, in.Attempt)
	return clamp(between(float64(t)/2, float64(t), in.Random), t/2, t)
}

func (j equalJitter) String() string {
	if j.growth == 2 {
		return fmt.Sprintf("backoff.EqualJitter(%v, %v)", j.base, j.cap)
	}
	return fmt.Sprintf("backoff.EqualJitterGrowth(%v, %v, %v)", j.base, j.cap, j.growth)
}

// Validate reports a growth factor below 1, NaN or infinite, a negative base
// or cap, or a cap below base.
func (j equalJitter) Validate() error {
	if !(j.growth >= 1) || math.IsInf(j.growth, 1) { // also NaN
		return invalid(j, "growth %v must be a finite number of at least 1", j.growth)
	}
	return checkBaseCap(j, j.base, j.cap)
}

// DecorrelatedJitter returns a Strategy that waits a uniformly random time
// between base and three times the previous delay, capped at cap:
// base + Random·(min(cap, 3·prev) - base) with prev = max(Input.Prev, base),
// within [base, min(cap, 3·prev)] and so within [0, cap]. Each delay grows
// from the last one actually waited rather than from the attempt number,
// which spreads clients well and keeps delays from collapsing to zero. It
// is the default strategy of the retry loop, with base 250ms and cap 30s.
//
// The published formula, min(cap, base + Random·(3·prev - base)), caps the
// delay after the jitter: after a delay of cap, the next is exactly cap two
// times in three, and clients that reach the cap together retry together.
// This one applies the jitter inside the cap, as every strategy here does;
// the two agree as long as 3·prev is at most cap. Over a long outage its
// delays average roughly a third of cap, where those of the published
// formula average about half of it.
func DecorrelatedJitter(base, cap time.Duration) Strategy { return decorrelatedJitter{base, cap} }

type decorrelatedJitter struct{ base, cap time.Duration }

func (j decorrelatedJitter) Delay(in Input) time.Duration {
	prev := max(in.Prev, j.base, 0)
	hi := j.cap
	if prev <= j.cap/3 { // 3·prev <= cap, without overflow
		hi = 3 * prev
	}
	return clamp(between(float64(j.base), float64(hi), in.Random), j.base, hi)
}

func (j decorrelatedJitter) String() string {
	return fmt.Sprintf("backoff.DecorrelatedJitter(%v, %v)", j.base, j.cap)
}

// Validate reports a negative base or cap, or a cap below base.
func (j decorrelatedJitter) Validate() error { return checkBaseCap(j, j.base, j.cap) }
