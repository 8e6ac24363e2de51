package retry

import (
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// The defaults, when a call passes no options.
const (
	defaultMaxAttempts        = 6
	defaultMaxUnknownAttempts = 2
	defaultMaxRetryTime       = 60 * time.Second
	defaultMaxRetryAfter      = time.Minute
	defaultBackoffBase        = 250 * time.Millisecond
	defaultBackoffCap         = 30 * time.Second
)

// config is a resolved set of options: what one call of Do runs with. The
// options' apply methods write it (see apply.go); the loop only reads it.
type config struct {
	name           string
	maxAttempts    int
	classCaps      [classify.NumClasses]int // 0: no cap of its own
	deadline       time.Duration            // Deadline: from the call; 0: none
	maxRetryTime   time.Duration            // MaxRetryTime: from the first failure; 0: none
	retryTimeSet   bool                     // MaxRetryTime was given, not the default
	attemptTimeout time.Duration            // 0: none
	maxRetryAfter  time.Duration
	classifier     classify.Classifier
	strategy       backoff.Strategy
	classStrategy  [classify.NumClasses]backoff.Strategy // nil: strategy
	subs           []subscriber
	kinds          observe.Set      // the kinds some subscriber takes
	rand           *rand.Rand       // nil: math/rand/v2's global source
	budget         *Budget          // nil: none
	breaker        *breaker.Breaker // nil: none
	clock          hook.Clock       // nil: the real one
	unlayered      bool             // the call does not tell the loop around it that it gave up
	results        bool             // a result classifier is among the options (result.go)
	needs          needs            // what the other fields ask of the loop, in a word that settle sets; beside the bools, in their padding
	draw           drawRule         // which delays need no random draw, once known (draws.go)
	hedgeDelay     time.Duration    // Hedge (hedge.go)
	hedgeMax       int              // 0: no hedging
	hedgeLatency   *Latency         // HedgeAdaptive: the delay follows it, and every attempt tells it (latencies.go)
	releases       bool             // a HedgeRelease is among the options (hedge.go)
	err            error            // the first invalid option
	sub            subscriber       // the first subscriber, before subs: a call's own needs no slice (subscribe.go)
}

// needs says in one word what a configuration asks of the loop beyond its
// plainest form, so that a call that asks nothing more tests one word
// (see start).
type needs uint8

const (
	// needCheck: check has something to say before the first attempt: an
	// invalid option, hedging options, a result classifier.
	needCheck needs = 1 << iota
	// needSetup: the first attempt needs the loop's set-up around it: a
	// Deadline, a subscriber, a Budget or an AttemptTimeout. Without any,
	// the first attempt is the operation's call alone, and a Breaker's
	// permit if the Breaker is closed (see admitClosed).
	needSetup
)

// settle sets c.needs from the rest of c. Every configuration that the
// loop runs with is settled once its options are applied: the defaults,
// a bundle's, a call's own.
func (c *config) settle() {
	c.needs = 0
	if c.err != nil || c.hedgeMax > 0 || c.releases || c.results {
		c.needs |= needCheck
	}
	if c.deadline > 0 || c.kinds != 0 || c.budget != nil || c.attemptTimeout > 0 {
		c.needs |= needSetup
	}
}

// subscriber is a Subscriber with the kinds it takes, asked once.
type subscriber struct {
	s     observe.Subscriber
	kinds observe.Set
}

// defaults is the configuration of a call without options. It is never
// written after init; calls that pass options copy it.
var defaults = func() config {
	c := config{
		maxAttempts:   defaultMaxAttempts,
		classCaps:     [classify.NumClasses]int{classify.Unknown: defaultMaxUnknownAttempts},
		maxRetryTime:  defaultMaxRetryTime,
		maxRetryAfter: defaultMaxRetryAfter,
		classifier:    classify.Default(),
		strategy:      backoff.DecorrelatedJitter(defaultBackoffBase, defaultBackoffCap),
	}
	c.settle()
	c.draw = learnDraws(&c)
	return c
}()

// fail records that the option that prints as label is invalid, unless an
// earlier option was. It takes the label, not the Option, so that no option
// escapes to the heap for it (see applyOne).
func (c *config) fail(label, reason string) {
	if c.err == nil {
		c.err = &optionError{option: label, reason: reason}
	}
}

// failWith records that the option named label is invalid because of err,
// an error that names the faulty value itself.
func (c *config) failWith(label string, err error) {
	if c.err == nil {
		c.err = &optionError{option: label, err: err}
	}
}

// strategyFor returns the backoff strategy for class c.
func (c *config) strategyFor(class classify.Class) backoff.Strategy {
	if s := c.classStrategy[class]; s != nil {
		return s
	}
	return c.strategy
}

// random returns a uniform draw from [0, 1), from the call's source (Rand)
// or the global one.
func (c *config) random() float64 {
	if c.rand != nil {
		return c.rand.Float64()
	}
	return rand.Float64()
}

// typeName returns the name of v's type, as Go code outside its package
// writes it.
func typeName(v any) string { return reflect.TypeOf(v).String() }
