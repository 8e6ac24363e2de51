package retrygrpc

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// An Interceptor retries the gRPC calls of the ClientConns it is installed
// on, with retry.Do: Unary is its unary client interceptor, Stream its
// stream client interceptor, and DialOptions installs both. See the
// package documentation for what it retries and how.
//
// The zero value is an Interceptor with the defaults. An Interceptor is
// safe for concurrent use; share one among the ClientConns of a process,
// so that its budgets see all of their traffic. It must not be copied
// after first use.
type Interceptor struct {
	retryOpts   []retry.Option       // as Retry gave them, until New bundles them
	retry       retry.Option         // the bundle; nil: none
	budgets     integration.Budgets  // the zero value: BudgetPerTarget(0.1, 10)
	breakers    integration.Breakers // the zero value: none
	replayLimit int                  // if replaySet
	replaySet   bool                 // false: defaultReplayLimit
	idempotent  func(string) bool    // the rule of Idempotent; nil: IsIdempotent
	hedger      *integration.Hedger  // Hedge's or HedgeAdaptive's; nil: no hedging
	err         error                // the first invalid option
}

// New returns an Interceptor that retries calls as opts say. Invalid
// options do not make New fail: every call fails instead, before it is
// made, with an error that names the option and matches
// retry.ErrInvalidOption.
//
//	r := retrygrpc.New(retrygrpc.Retry(retry.MaxAttempts(4), retry.AttemptTimeout(2*time.Second)))
//	conn, err := grpc.NewClient(target, append(r.DialOptions(), grpc.WithTransportCredentials(creds))...)
func New(opts ...Option) *Interceptor {
	i := &Interceptor{}
	integration.Apply(opts, func(o Option) { o.apply(i) }, func(reason string) { i.fail(nil, reason) })
	i.retry, i.retryOpts = integration.Bundle(i.retryOpts), nil
	return i
}

// fail records that option o is invalid, unless an earlier one was.
func (i *Interceptor) fail(o Option, reason string) { integration.Fail(&i.err, "retrygrpc", o, reason) }

// DialOptions returns the dial options that install the Interceptor on a
// ClientConn: Unary and Stream, chained after any interceptor installed
// before them, and grpc.WithDisableRetry, which turns off gRPC's own retry
// policy so that the two do not multiply each other's attempts (gRPC's
// transparent retry of calls that never reached the server stays on).
//
//	conn, err := grpc.NewClient(target, append(r.DialOptions(), grpc.WithTransportCredentials(creds))...)
func (i *Interceptor) DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithChainUnaryInterceptor(i.Unary),
		grpc.WithChainStreamInterceptor(i.Stream),
		grpc.WithDisableRetry(),
	}
}

// Unary is a grpc.UnaryClientInterceptor: it calls invoker until the call
// succeeds or the retry loop gives up. A call of a method that is not
// idempotent (see Idempotent) is retried only after a failure that shows
// that the server did not act on it, as the package documentation says.
// Each attempt reads its trailer for the server's grpc-retry-pushback-ms;
// every attempt gets opts, so that a grpc.Header or grpc.Trailer option
// of the caller holds the last attempt's metadata.
//
// With Hedge or HedgeAdaptive, a call that may be made more than once is
// hedged, as Hedge says.
//
// It returns nil, or an error whose gRPC status (status.FromError,
// status.Code) has the code and details of the last attempt's status, or
// Canceled or DeadlineExceeded when the caller's context ended the call,
// as gRPC itself reports; its message, like its text, says why the loop
// gave up. errors.As finds the *retry.Error in it, and errors.Is its
// reason.
func (i *Interceptor) Unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if i.err != nil {
		return failed(i.err)
	}
	repeatable := i.repeatable(method, opts)
	if repeatable && i.hedging() {
		if dst, ok := hedgeable(reply); ok {
			return i.unaryHedged(ctx, method, req, reply, dst, cc, invoker, opts, i.options(cc, method, opts, i.breakerFor(cc), true))
		}
	}
	// refused is the error of an attempt that may have reached the
	// server, of a call that must not be made twice: no attempt after it
	// calls the server, whatever the loop makes of it (a classifier of
	// the caller's may call it retryable).
	var refused error
	err := retry.Run(ctx, func(actx context.Context) error {
		if refused != nil {
			return refused
		}
		var trailer metadata.MD
		// A slice of its own: the caller's must not be written to.
		callOpts := append(opts[:len(opts):len(opts)], grpc.Trailer(&trailer))
		var p *peer.Peer
		if !repeatable {
			// gRPC fills it only if the attempt had a stream on a
			// connection: without one, the request was never sent.
			p = new(peer.Peer)
			callOpts = append(callOpts, grpc.Peer(p))
		}
		err := invoker(actx, method, req, reply, cc, callOpts...)
		if err == nil {
			return nil
		}
		err = withPushback(err, trailer)
		if p != nil && p.Addr != nil && !invited(trailer) {
			refused = refuse(err)
			return refused
		}
		return err
	}, i.options(cc, method, opts, i.breakerFor(cc), false)...)
	if err != nil {
		return failed(err)
	}
	return nil
}

// defaultClassifier is the classifier of the Interceptor's calls, unless a
// retry.Classifier of Retry or CallRetry replaces it.
var defaultClassifier = retry.Classifier(classify.Chain(Classifier(), classify.Default()))

// options returns the retry options of a call of method on cc made with
// callOpts, whose breaker is b (nil: none): the Interceptor's defaults
// first, so that the user's options override them, then the
// Interceptor's, then the call's own. A call that hedges has room for one
// more, its hedging option, which the caller appends last.
func (i *Interceptor) options(cc *grpc.ClientConn, method string, callOpts []grpc.CallOption, b *breaker.Breaker, hedged bool) []retry.Option {
	n := 5
	if b != nil {
		n++
	}
	if hedged {
		n++
	}
	opts := make([]retry.Option, 0, n)
	opts = append(opts, defaultClassifier, retry.Name(method), integration.Option(&i.budgets, cc, target))
	if b != nil {
		opts = append(opts, retry.Breaker(b))
	}
	if i.retry != nil {
		opts = append(opts, i.retry)
	}
	for _, o := range callOpts {
		if o, ok := o.(callRetry); ok {
			opts = append(opts, o.opt)
		}
	}
	return opts
}

// breakerFor returns the breaker of the calls on cc, or nil if there is
// none.
func (i *Interceptor) breakerFor(cc *grpc.ClientConn) *breaker.Breaker {
	return integration.Breaker(&i.breakers, cc, target)
}

// target returns the key of cc's budget and breaker: its canonical target.
func target(cc *grpc.ClientConn) string {
	if cc == nil { // in tests of interceptors, never from gRPC
		return ""
	}
	return cc.CanonicalTarget()
}

// limit returns the ReplayLimit in force.
func (i *Interceptor) limit() int {
	if !i.replaySet {
		return defaultReplayLimit
	}
	return i.replayLimit
}
