package retry

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/internal/typednil"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// Counting: an attempt is one call of the operation, the first call
// included. A call with MaxAttempts(n) makes at most n attempts, so it
// retries at most n-1 times: n-1 retries are n attempts.

// MaxAttempts caps the number of attempts, the first included: the call
// gives up with ErrMaxAttempts when attempt n fails, without waiting. n must
// be at least 1; MaxAttempts(1) never retries. For no cap at all, pass
// math.MaxInt and bound the call with Deadline or the context.
//
// Default: 6.
func MaxAttempts(n int) Option { return maxAttempts(n) }

type maxAttempts int

func (o maxAttempts) String() string { return "MaxAttempts(" + strconv.Itoa(int(o)) + ")" }

func (o maxAttempts) apply(c *config) {
	if o < 1 {
		c.fail(o.String(), "must be at least 1")
		return
	}
	c.maxAttempts = int(o)
}

// MaxUnknownAttempts caps the number of attempts that may fail with an
// Unknown error: the call gives up with ErrMaxUnknownAttempts when the n-th
// Unknown failure happens. Exactly n Unknown failures are allowed, whether
// they are consecutive or not. n must be at least 1. It is the same setting
// as MaxAttemptsFor(classify.Unknown, n).
//
// Default: 2.
func MaxUnknownAttempts(n int) Option { return maxClassAttempts{classify.Unknown, n} }

// MaxAttemptsFor caps the number of attempts that may fail with class c: the
// call gives up with ErrMaxClassAttempts (ErrMaxUnknownAttempts for
// Unknown) when the n-th failure of that class happens, whatever the other
// classes did. The global cap of MaxAttempts still applies. n must be at
// least 1, and c must not be Permanent, which is never retried.
//
//	retry.MaxAttemptsFor(classify.Concurrency, 10) // conflicts resolve fast: try harder
//
// Default: no cap of its own for any class but Unknown (see MaxUnknownAttempts).
func MaxAttemptsFor(c classify.Class, n int) Option { return maxClassAttempts{c, n} }

type maxClassAttempts struct {
	class classify.Class
	n     int
}

func (o maxClassAttempts) String() string {
	if o.class == classify.Unknown {
		return "MaxUnknownAttempts(" + strconv.Itoa(o.n) + ")"
	}
	return "MaxAttemptsFor(classify." + o.class.String() + ", " + strconv.Itoa(o.n) + ")"
}

func (o maxClassAttempts) apply(c *config) {
	switch {
	case int(o.class) >= classify.NumClasses:
		c.fail(o.String(), "not a class")
	case o.class == classify.Permanent:
		c.fail(o.String(), "Permanent errors are never retried")
	case o.n < 1:
		c.fail(o.String(), "must be at least 1")
	default:
		c.classCaps[o.class] = o.n
	}
}

// Deadline bounds the whole call, waits and attempts included, to d from
// the moment Do is called, on top of the context's own deadline: the earlier
// of the two applies. The context that attempts get ends at the deadline, so
// that an operation that honours its context lets Do return by then; no
// attempt starts after it, and a wait that would not end before it is not
// started: the call gives up at once with ErrDeadline. Once the time of
// Deadline has passed, the error's Cause says so.
//
// Do never abandons a running attempt: an operation that ignores its
// context, or a subscriber that blocks, holds the call past the deadline.
// If the attempt then succeeds, Do returns its value: its effect happened.
//
// Deadline lifts the default MaxRetryTime, not one given explicitly. d must
// be positive.
//
// Default: none; the call is bounded by MaxRetryTime and the context.
func Deadline(d time.Duration) Option { return deadline(d) }

type deadline time.Duration

func (o deadline) String() string { return "Deadline(" + time.Duration(o).String() + ")" }

func (o deadline) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive (NoDeadline lifts the deadline)")
		return
	}
	c.deadline = time.Duration(o)
	if !c.retryTimeSet {
		c.maxRetryTime = 0
	}
}

// MaxRetryTime bounds the time spent retrying to d from the first failure:
// no attempt starts after it, and a wait that would not end before it is not
// started: the call gives up at once with ErrDeadline. Unlike Deadline it
// never ends a running attempt, and a call that succeeds at once never
// reads the clock for it. d must be positive.
//
// Default: 60s, unless Deadline is given.
func MaxRetryTime(d time.Duration) Option { return maxRetryTime(d) }

type maxRetryTime time.Duration

func (o maxRetryTime) String() string { return "MaxRetryTime(" + time.Duration(o).String() + ")" }

func (o maxRetryTime) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive (NoDeadline lifts it)")
		return
	}
	c.maxRetryTime, c.retryTimeSet = time.Duration(o), true
}

// NoDeadline lifts the limits of Deadline and MaxRetryTime, the default one
// included, leaving the call bounded by the context's deadline, if it has
// one, and by the attempt caps. An option after it may set either again.
func NoDeadline() Option { return noDeadline{} }

type noDeadline struct{}

func (noDeadline) String() string { return "NoDeadline()" }

func (noDeadline) apply(c *config) { c.deadline, c.maxRetryTime, c.retryTimeSet = 0, 0, false }

// AttemptTimeout gives each attempt a context of its own that ends after d,
// or at the time of Deadline if that comes first, and is cancelled when the
// attempt ends. MaxRetryTime does not shorten it. An attempt that fails because its own
// timeout passed is Transient, whatever its error says; the caller's own
// cancellation or deadline stops the loop instead. d must be positive.
//
// Default: none; each attempt gets the caller's context.
func AttemptTimeout(d time.Duration) Option { return attemptTimeout(d) }

type attemptTimeout time.Duration

func (o attemptTimeout) String() string {
	return "AttemptTimeout(" + time.Duration(o).String() + ")"
}

func (o attemptTimeout) apply(c *config) {
	if o <= 0 {
		c.fail(o.String(), "must be positive")
		return
	}
	c.attemptTimeout = time.Duration(o)
}

// Classifier sets the classifier that maps each failed attempt's error to a
// class. To add rules to the default, chain them before it:
//
//	retry.Classifier(classify.Chain(myRules, classify.Default()))
//
// cl must not be nil, a nil pointer or a nil function (such as a nil
// classify.Func), and classify.Validate must accept it: it reports, among
// others, a classify.Match of a nil function and a class that is not one
// of the constants, also inside a classify.Chain. A classifier that panics
// is not recovered: the panic unwinds Do, as one in the operation does. A
// class it invents is read as Unknown.
//
// Default: classify.Default().
func Classifier(cl classify.Classifier) Option { return classifier{cl} }

type classifier struct{ cl classify.Classifier }

func (o classifier) String() string { return fmt.Sprintf("Classifier(%v)", o.cl) }

func (o classifier) apply(c *config) {
	if o.cl == nil {
		c.fail(o.String(), "classifier is nil")
		return
	}
	// Validate reports typed nils too: tell them apart only when it fails,
	// so that a valid classifier pays for one check.
	if err := classify.Validate(o.cl); err != nil {
		if typednil.Is(o.cl) {
			c.fail(o.String(), "classifier is a nil "+typeName(o.cl))
			return
		}
		// err names the classifier and its bad value: name only the option.
		c.failWith("Classifier", err)
		return
	}
	c.classifier = o.cl
}

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

// Name sets the operation's name, carried by every event of the call. It
// becomes a label of logs and metrics, so keep it low-cardinality: name the
// dependency and the operation ("users.get"), never a URL or an ID.
//
// Default: "".
func Name(op string) Option { return name(op) }

type name string

func (o name) String() string { return "Name(" + strconv.Quote(string(o)) + ")" }

func (o name) apply(c *config) { c.name = string(o) }

// Subscribe adds subscribers that receive the call's events. Subscribers
// add up across options and bundles; each receives only the kinds it takes
// (see observe.Selective), and a call that nobody observes builds no event.
// No subscriber may be nil, a nil pointer (such as a nil *observe.Recorder)
// or a nil function, and observe.Validate must accept each: it reports, for
// one, an observe.Func of a nil function.
//
// Default: none.
func Subscribe(subs ...observe.Subscriber) Option {
	return subscribe(append([]observe.Subscriber(nil), subs...))
}

type subscribe []observe.Subscriber

func (o subscribe) String() string {
	s := "Subscribe("
	for i, sub := range o {
		if i > 0 {
			s += ", "
		}
		if str, ok := sub.(fmt.Stringer); ok && !typednil.Is(sub) {
			s += str.String()
		} else {
			s += fmt.Sprintf("%T", sub)
		}
	}
	return s + ")"
}

func (o subscribe) apply(c *config) {
	// Cap the slice at its length so that append copies instead of writing
	// into the backing array of a bundle's or the defaults' slice.
	subs := c.subs[:len(c.subs):len(c.subs)]
	for i, s := range o {
		if s == nil {
			c.fail(o.String(), "subscriber "+strconv.Itoa(i)+" is nil")
			return
		}
		if err := observe.Validate(s); err != nil {
			if typednil.Is(s) {
				c.fail(o.String(), "subscriber "+strconv.Itoa(i)+" is a nil "+typeName(s))
				return
			}
			// err names the subscriber and its bad value.
			c.failWith("Subscribe", err)
			return
		}
		k := observe.KindsOf(s)
		subs = append(subs, subscriber{s, k})
		c.kinds |= k
	}
	c.subs = subs
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

// typeName returns the name of v's type, as Go code outside its package
// writes it.
func typeName(v any) string { return reflect.TypeOf(v).String() }
