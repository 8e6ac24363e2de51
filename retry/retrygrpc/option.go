package retrygrpc

import (
	"strconv"

	"google.golang.org/grpc"

	"github.com/reflexio-go/reflexio/internal/integration"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// An Option configures an Interceptor. Options apply in order, when New is
// called: for a setting the last one wins; the retry options of Retry add
// up. Every Option prints itself as the call that made it, such as
// "NoBudget()".
type Option interface {
	apply(i *Interceptor)
	String() string
}

// Retry sets how calls are retried, with the options of package retry:
// attempts, deadline, backoff, classifier, subscribers and the rest. They
// apply after the Interceptor's own defaults, so they override them: a
// retry.Name replaces the name of the call (its full method name), a
// retry.Classifier replaces the gRPC classifier (chain Classifier() into
// yours to keep it), and a retry.Budget or retry.NoBudget replaces the
// budget of BudgetPerTarget, Budget or NoBudget, and a retry.Breaker or
// retry.NoBreaker the breakers of BreakerPerTarget. Several Retry options
// add up, in order, as if they were one.
//
// retry.AttemptTimeout bounds each unary attempt, and each attempt of a
// stream until its first response.
//
// Default: none; package retry's defaults apply.
func Retry(opts ...retry.Option) Option {
	return &retryOptions{append([]retry.Option(nil), opts...)}
}

// retryOptions is a pointer, so that it compares equal to itself alone.
type retryOptions struct{ opts []retry.Option }

func (o *retryOptions) String() string { return "Retry(" + integration.Join(o.opts) + ")" }

func (o *retryOptions) apply(i *Interceptor) {
	if reason := integration.AddRetry(&i.retryOpts, o.opts); reason != "" {
		i.fail(o, reason)
	}
}

// BudgetPerTarget gives each target (the ClientConn's canonical target,
// such as "dns:///users.internal:443") a retry.Budget of its own, made
// with retry.NewBudget(ratio, burst) at its first call, so that a service
// that is down cannot use up the retries of the others. Invalid
// parameters make every call fail with retry.ErrInvalidOption before it
// is made.
//
// The Interceptor keeps the budgets of retry.DefaultMaxKeys targets at
// most, in a retry.Budgets: past that, the target least recently called
// is forgotten, and gets a fresh, full budget when it is called again.
//
// Default: BudgetPerTarget(0.1, 10).
func BudgetPerTarget(ratio float64, burst int) Option {
	return budgetPolicy{integration.PerKey(ratio, burst)}
}

// Budget makes every call share b, whatever its target: use it to share
// one budget among Interceptors, or among an Interceptor and other callers
// of one dependency. b must not be nil.
//
// Default: BudgetPerTarget(0.1, 10).
func Budget(b *retry.Budget) Option { return budgetPolicy{integration.Shared(b)} }

// NoBudget lifts the retry budget: each call's retries are bounded by its
// attempt caps and deadline alone.
//
// Default: BudgetPerTarget(0.1, 10).
func NoBudget() Option { return budgetPolicy{integration.None()} }

// budgetPolicy is the budget option.
type budgetPolicy struct{ p integration.Policy }

func (o budgetPolicy) String() string { return o.p.String("BudgetPerTarget") }

func (o budgetPolicy) apply(i *Interceptor) {
	if reason := o.p.Invalid(); reason != "" {
		i.fail(o, reason)
		return
	}
	i.budgets.Set(o.p)
}

// BreakerPerTarget gives each target (the ClientConn's canonical target,
// as for BudgetPerTarget) a circuit breaker of its own, made with
// breaker.New(cfg) at its first call and named after the target (unless
// cfg names it), so that a service that is down is spared the calls of
// every caller of the Interceptor while it recovers, and no other service
// is. The zero Config is the breaker's defaults: it opens when four in five
// calls of the last 10 seconds fail (given at least 20 of them), or after
// 20 failures in a row; it stays open for 5 seconds, up to 10 if its probes
// fail; a ResourceExhausted with the server's pushback opens it for the
// hinted time, capped at a minute. The codes that Classifier calls
// Permanent, such as NotFound or InvalidArgument, and Aborted (a
// Concurrency conflict), do not count against the target, nor does a call
// that the caller's context ended.
//
// Each attempt of a call asks the breaker first (see retry.Breaker). A
// call that it refuses waits for the breaker's next probe if that fits the
// call's deadline; if not, it fails at once, without reaching the server,
// with an error whose code is Unavailable (or the last attempt's, if an
// attempt was made) and which matches retry.ErrBreakerOpen and
// breaker.ErrOpen. A stream whose breaker is not closed when it is created
// is opened by its first RecvMsg, once the breaker admits it: until then
// SendMsg keeps what it is given, as for a stream that failed to open. A
// stream that is sent more than its ReplayLimit before that fails, as it
// would had it failed to open, with the breaker's refusal. cfg.Subscribers
// see every change of state of every target's breaker.
//
// A call of a method that is not idempotent (see Idempotent) is refused
// like any other, and a failure of it that may have reached the server,
// and so is not retried, counts against the target by the class of its
// own status (Unavailable does, NotFound does not), not by the Permanent
// that stops its retries.
//
// The Interceptor keeps the breakers of retry.DefaultMaxKeys targets at
// most, in a retry.Breakers: past that, the target least recently called
// is forgotten, and gets a fresh, closed breaker when it is called again.
// A retry.Breaker or retry.NoBreaker among the options of Retry or
// CallRetry replaces the breakers of BreakerPerTarget (a stream then opens
// its first stream before that breaker is asked). An invalid cfg makes
// every call fail before it is made, with an error matching
// retry.ErrInvalidOption and breaker.ErrInvalidConfig.
//
// Default: none; the breaker is off until this option turns it on.
func BreakerPerTarget(cfg breaker.Config) Option { return breakerPerTarget{cfg} }

type breakerPerTarget struct{ cfg breaker.Config }

func (o breakerPerTarget) String() string {
	return "BreakerPerTarget(" + integration.ConfigString(o.cfg) + ")"
}

func (o breakerPerTarget) apply(i *Interceptor) {
	if err := i.breakers.Set(o.cfg); err != nil {
		integration.FailWith(&i.err, "retrygrpc", o, err)
	}
}

// defaultReplayLimit is the default of ReplayLimit, the size of gRPC's own
// retry buffer.
const defaultReplayLimit = 256 << 10

// ReplayLimit bounds, in bytes, the messages that a stream keeps to send
// again on a new stream should it be retried. A stream whose messages sent
// so far exceed n is committed as if it had received a response: it is
// never retried, and keeps nothing. A message's size is its protobuf
// encoding's (proto.Size), or the length of a []byte; a message of another
// type, whose size cannot be told, commits the stream at once. n must not
// be negative; ReplayLimit(0) commits a stream at its first message that
// is not empty. A stream that failed to open, and is sent more than n
// before the loop could open it again, fails with the error that kept it
// from opening.
//
// Default: 256 KiB, as gRPC's own retry buffer.
func ReplayLimit(n int) Option { return replayLimit(n) }

type replayLimit int

func (o replayLimit) String() string { return "ReplayLimit(" + strconv.Itoa(int(o)) + ")" }

func (o replayLimit) apply(i *Interceptor) {
	if o < 0 {
		i.fail(o, "must not be negative")
		return
	}
	i.replayLimit, i.replaySet = int(o), true
}

// CallRetry returns a grpc.CallOption that adds opts to the retry options
// of one call, after the Interceptor's own, so that they override them:
//
//	// This caller cannot wait: two attempts at most.
//	user, err := client.GetUser(ctx, req, retrygrpc.CallRetry(retry.MaxAttempts(2)))
//
// The options are resolved once, when CallRetry is called; keep the
// result in a variable to reuse it. A call without an Interceptor ignores
// the option. Several CallRetry options of one call add up, in order.
func CallRetry(opts ...retry.Option) grpc.CallOption {
	return callRetry{opt: retry.Options(opts...), label: "CallRetry(" + integration.Join(opts) + ")"}
}

// callRetry carries retry options to the Interceptor through a call's
// options; gRPC itself ignores it.
type callRetry struct {
	grpc.EmptyCallOption
	opt   retry.Option
	label string
}

func (o callRetry) String() string { return o.label }
