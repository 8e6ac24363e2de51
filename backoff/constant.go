package backoff

import (
	"fmt"
	"time"
)

// Constant returns a Strategy that always waits d; a negative d, which
// Validate reports, waits 0. Constant(0) retries at once; the retry loop
// arms no timer for it. It has no jitter: prefer a jittered strategy, or
// wrap it in Jitter, when many clients may retry together.
func Constant(d time.Duration) Strategy { return constant{d} }

type constant struct{ d time.Duration }

func (c constant) Delay(Input) time.Duration { return max(c.d, 0) }

func (c constant) String() string { return fmt.Sprintf("backoff.Constant(%v)", c.d) }

// Validate reports a negative delay.
func (c constant) Validate() error {
	if c.d < 0 {
		return invalid(c, "delay %v must not be negative", c.d)
	}
	return nil
}

// Exponential returns a Strategy that waits base after the first attempt and
// doubles the wait after every further one, up to cap:
// min(cap, base·2^(attempt-1)), within [base, cap] and never shorter after
// a later attempt. It has no jitter: many clients that fail together retry
// together, and once it reaches cap every client waits exactly cap. Prefer
// FullJitter or EqualJitter, or wrap it in Jitter.
func Exponential(base, cap time.Duration) Strategy { return exponential{base, cap} }

type exponential struct{ base, cap time.Duration }

func (e exponential) Delay(in Input) time.Duration {
	return ceiling(e.base, e.cap, 2, in.Attempt)
}

func (e exponential) String() string {
	return fmt.Sprintf("backoff.Exponential(%v, %v)", e.base, e.cap)
}

// Validate reports a negative base or cap, or a cap below base.
func (e exponential) Validate() error { return checkBaseCap(e, e.base, e.cap) }
