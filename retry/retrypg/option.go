package retrypg

import (
	"strconv"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
	"github.com/reflexio-go/reflexio/retry"
)

// An Option configures a call of Run or Do. Options are values: make them
// once, keep them in variables, share them across goroutines. They apply
// in order: for a setting the last one wins; the retry options of Retry
// add up. Every Option prints itself as the call that made it, such as
// "Idempotent()".
type Option interface {
	apply(c *config)
	String() string
}

// The defaults, as package retry's options, which a call's own Retry
// options follow and so override.
var (
	defaults = retry.Options(
		retry.Name("pg.tx"),
		retry.MaxAttempts(10),
		retry.MaxAttemptsFor(classify.Transient, 6),
		retry.MaxAttemptsFor(classify.ServerError, 6),
		retry.MaxAttemptsFor(classify.RateLimit, 6),
		retry.BackoffFor(classify.Concurrency, backoff.FullJitter(10*time.Millisecond, time.Second)),
	)
	defaultOptions = []retry.Option{defaults} // a call's, when it has no options
)

// config is what a call's options say.
type config struct {
	retry      []retry.Option // defaults first
	idempotent bool
	err        error // the first invalid option's
}

// resolve applies opts to c and returns the retry options of the call.
func (c *config) resolve(opts []Option) ([]retry.Option, error) {
	if len(opts) == 0 {
		return defaultOptions, nil
	}
	c.retry = append(make([]retry.Option, 0, 1+len(opts)), defaults)
	for i, o := range opts {
		if o == nil {
			c.fail("Option", "option "+strconv.Itoa(i)+" is nil")
			continue
		}
		o.apply(c)
	}
	return c.retry, c.err
}

// fail records that the option that prints as label is invalid, unless an
// earlier option was.
func (c *config) fail(label, reason string) {
	if c.err == nil {
		c.err = optionError(label, reason)
	}
}

// Retry sets how transactions are retried, with the options of package
// retry: attempts, deadline, backoff, classifier, subscribers, budget and
// the rest. They apply after this package's defaults, so they override
// them, and several Retry options add up, in order, as if they were one.
// Retry resolves its options once, when it is called: keep the result in
// a variable and use it for every call.
//
//	var ordersTx = retrypg.Retry(retry.Name("orders.tx"), retry.Subscribe(observe.Slog(logger)))
//
// Default: package retry's defaults, but for these, which suit
// transactions:
//
//   - retry.Name("pg.tx").
//   - retry.MaxAttempts(10), of which at most 6 may fail with a Transient,
//     a ServerError or a RateLimit error each (retry.MaxAttemptsFor), as
//     many as package retry allows, and at most 2 with an Unknown one:
//     conflicts get more attempts, because a conflict ends when the
//     transaction that won it ends, and a row that many clients update
//     may take some rounds.
//   - retry.BackoffFor(classify.Concurrency,
//     backoff.FullJitter(10*time.Millisecond, time.Second)):
//     the next attempt after a conflict waits little, and at random, so
//     that the transactions that lost it do not collide again.
//
// So the other classes back off with decorrelated jitter from 250ms to
// 30s, the call retries no later than 60s after its first failure, errors are
// classified by classify.Default, and there is no retry budget (see the
// package documentation). A retry.Backoff of the caller's sets the
// strategy of every class but Concurrency, whose own only
// retry.BackoffFor(classify.Concurrency, …) replaces.
func Retry(opts ...retry.Option) Option {
	opts = append([]retry.Option(nil), opts...)
	return &retryOptions{opts: opts, bundle: retry.Options(opts...)}
}

// retryOptions is a pointer, so that it compares equal to itself alone.
type retryOptions struct {
	opts   []retry.Option // as given, to print them
	bundle retry.Option
}

func (o *retryOptions) String() string { return "Retry(" + integration.Join(o.opts) + ")" }

func (o *retryOptions) apply(c *config) {
	for i, r := range o.opts {
		if r == nil {
			c.fail(o.String(), "option "+strconv.Itoa(i)+" is nil")
			return
		}
	}
	c.retry = append(c.retry, o.bundle)
}

// Idempotent says that the transaction is safe to apply twice, as an
// upsert of the same values is, so that a commit whose outcome is unknown
// (see ErrCommitUnknown) is retried, as a Transient failure, instead of
// ending the call.
//
// Default: a commit whose outcome is unknown ends the call.
func Idempotent() Option { return idempotent{} }

type idempotent struct{}

func (idempotent) String() string { return "Idempotent()" }

func (idempotent) apply(c *config) { c.idempotent = true }
