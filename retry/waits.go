package retry

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/typednil"
)

// Backoff sets the strategy that decides the wait before each retry, for
// every class that BackoffFor does not give a strategy of its own. s must
// not be nil, a nil pointer or a nil function (such as a nil backoff.Func),
// and backoff.Validate must accept it, decorators and all. A strategy that
// panics is not recovered: the panic unwinds Do, as one in the operation
// does. A negative delay is taken as zero.
//
// Default: backoff.DecorrelatedJitter(250*time.Millisecond, 30*time.Second).
func Backoff(s backoff.Strategy) Option { return strategy{all: true, s: s} }

// BackoffFor sets the strategy for failures of class c, overriding Backoff
// for that class alone, so that, say, rate limits back off for longer than
// conflicts:
//
//	retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(time.Second, time.Minute))
//
// c must be one of the constants of package classify but Permanent, which
// is never retried, and s must be valid as for Backoff.
//
// Default: none; every class uses the strategy of Backoff.
func BackoffFor(c classify.Class, s backoff.Strategy) Option { return strategy{class: c, s: s} }

type strategy struct {
	all   bool           // Backoff: the default strategy, for every class
	class classify.Class // BackoffFor: the class's own
	s     backoff.Strategy
}

func (o strategy) String() string {
	if o.all {
		return fmt.Sprintf("Backoff(%v)", o.s)
	}
	return fmt.Sprintf("BackoffFor(classify.%v, %v)", o.class, o.s)
}

func (o strategy) apply(c *config) {
	switch {
	case o.s == nil:
		c.fail(o.String(), "strategy is nil")
	case !o.all && o.class == classify.Permanent:
		c.fail(o.String(), "Permanent errors are never retried")
	case !o.all && int(o.class) >= classify.NumClasses:
		c.fail(o.String(), "not a class")
	default:
		// Validate reports typed nils too: tell them apart only when it
		// fails, so that a valid strategy pays for one check.
		if err := backoff.Validate(o.s); err != nil {
			if typednil.Is(o.s) {
				c.fail(o.String(), "strategy is a nil "+typeName(o.s))
				return
			}
			// err names the strategy and its bad value: name only the option.
			label := "Backoff"
			if !o.all {
				label = "BackoffFor(classify." + o.class.String() + ")"
			}
			c.failWith(label, err)
			return
		}
		if o.all {
			c.strategy = o.s
		} else {
			c.classStrategy[o.class] = o.s
		}
		c.draw.known = false // see drawRule
	}
}

// MaxRetryAfter caps how long the call waits on a server's hint (a
// Retry-After header, classify.MarkRateLimit, an error's RetryAfter method).
// A hint is untrusted input: one above d is taken as d, and d is a hard cap
// on the wait a hint leads to. The wait is the longer of the backoff
// strategy's delay and the hint, spread over up to a tenth more at random,
// so that the clients a server gave the same hint do not all come back at
// once; the spread never takes the wait above d, nor past the deadline. A
// hint that fits before the deadline is waited out even when the backoff
// strategy's delay would not fit; one that does not fit ends the call at
// once. d must be positive.
//
// Default: 1 minute.
func MaxRetryAfter(d time.Duration) Option { return maxRetryAfter(d) }

type maxRetryAfter time.Duration

func (o maxRetryAfter) String() string {
	return "MaxRetryAfter(" + time.Duration(o).String() + ")"
}

func (o maxRetryAfter) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive")
		return
	}
	c.maxRetryAfter = time.Duration(o)
}

// Rand sets the source of the random draws that jittered strategies use,
// for tests and simulations that want the same delays on every run. A
// *rand.Rand is not safe for concurrent use: give each goroutine its own.
// r must not be nil. A *rand.Rand made by rand.New with a nil Source cannot
// be told apart: its first draw panics, after the first failure, as any use
// of it would.
//
// Default: math/rand/v2's global source, fast and safe for concurrent use.
func Rand(r *rand.Rand) Option { return random{r: r} }

type random struct {
	r *rand.Rand
	_ bool // not pointer-shaped: see the note on escapes in applyOne
}

func (o random) String() string { return "Rand(…)" }

func (o random) apply(c *config) {
	if o.r == nil {
		c.fail(o.String(), "source is nil")
		return
	}
	c.rand = o.r
}
