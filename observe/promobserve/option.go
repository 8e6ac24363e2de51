package promobserve

import (
	"math"
	"strconv"
	"strings"

	"github.com/reflexio-go/reflexio/retry"
)

// An Option configures the Subscriber that New makes. Options apply in
// order; of two that set the same thing, the last wins.
type Option interface {
	apply(*config)
	String() string
}

// config is what the options of New set.
type config struct {
	buckets []float64
	err     *optionError // the first invalid option
}

// Buckets sets the upper bounds of the buckets of both histograms,
// reflexio_retry_call_duration_seconds and reflexio_retry_delay_seconds, in
// seconds. They must be at least one, finite, positive and strictly
// increasing; otherwise New fails with an error that names them and matches
// retry.ErrInvalidOption, and registers nothing. Prometheus adds the +Inf
// bucket itself. Buckets keeps a copy of b.
//
// Default: 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
// 120: from 5ms to two minutes, past the 60s after its first failure in
// which a call retries by default (retry.MaxRetryTime).
func Buckets(b ...float64) Option { return bucketsOption(append([]float64(nil), b...)) }

type bucketsOption []float64

func (o bucketsOption) apply(c *config) {
	if reason := validBuckets(o); reason != "" {
		c.fail(o.String(), reason)
		return
	}
	c.buckets = o
}

// String returns the option as it is written in Go, such as
// "promobserve.Buckets(0.1, 1, 10)".
func (o bucketsOption) String() string {
	var b strings.Builder
	b.WriteString("promobserve.Buckets(")
	for i, v := range o {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(number(v))
	}
	b.WriteString(")")
	return b.String()
}

// validBuckets returns why b cannot be the bounds of the buckets, or "".
func validBuckets(b []float64) string {
	if len(b) == 0 {
		return "no bounds; want at least one"
	}
	for i, v := range b {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return "bound " + number(v) + " is not finite"
		case v <= 0:
			return "bound " + number(v) + " is not positive"
		case i > 0 && v <= b[i-1]:
			return "bound " + number(v) + " follows " + number(b[i-1]) + "; want them strictly increasing"
		}
	}
	return ""
}

func number(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// fail records that the option that prints as label is invalid, unless an
// earlier one was.
func (c *config) fail(label, reason string) {
	if c.err == nil {
		c.err = &optionError{option: label, reason: reason}
	}
}

// optionError is the error of an invalid option of New.
type optionError struct {
	option string // as the option prints itself
	reason string
}

func (e *optionError) Error() string { return "promobserve: " + e.option + ": " + e.reason }

// Is reports whether target is retry.ErrInvalidOption, which every invalid
// option of this package matches, as those of package retry do.
func (e *optionError) Is(target error) bool { return target == retry.ErrInvalidOption }
