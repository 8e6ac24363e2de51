// Package retrygrpc retries gRPC calls: an [Interceptor] is a pair of
// client interceptors, unary and streaming, that make each call again,
// with retry.Do, while it fails and the retry loop allows.
//
//	r := retrygrpc.New(retrygrpc.Retry(retry.MaxAttempts(4), retry.AttemptTimeout(2*time.Second)))
//	conn, err := grpc.NewClient(target, append(r.DialOptions(), grpc.WithTransportCredentials(creds))...)
//
// DialOptions installs [Interceptor.Unary] and [Interceptor.Stream] and
// turns gRPC's own retry off; install them yourself with
// grpc.WithChainUnaryInterceptor and grpc.WithChainStreamInterceptor to
// order them among other interceptors. The retry loop is package
// retry's, configured with its options through [Retry] for every call and
// [CallRetry] for one. Without options, its defaults apply: at most 6
// attempts, no retry later than 60 seconds after the first failure (retry.MaxRetryTime), decorrelated
// jitter from 250ms to 30s, and a retry budget per target (see
// [BudgetPerTarget]).
//
// This module depends on google.golang.org/grpc; the core module of
// reflexio does not.
//
// # Which failures are retried
//
// Each attempt's error goes to the loop's classifier, by default
// [Classifier] chained before classify.Default, which reads the status
// code (see [CodeClass]):
//
//	Unavailable, DeadlineExceeded                  Transient
//	ResourceExhausted                              RateLimit
//	Aborted                                        Concurrency
//	Internal, Unknown                              ServerError
//	InvalidArgument, NotFound, AlreadyExists,
//	PermissionDenied, Unauthenticated,
//	FailedPrecondition, OutOfRange,
//	Unimplemented, DataLoss, Canceled              Permanent
//
// Permanent failures are returned at once; the others are retried within
// the loop's caps, unless the server may have acted on a call that must
// not be made twice (see Idempotency). A DeadlineExceeded of one attempt,
// whose own timeout (retry.AttemptTimeout) or the server's ran out, is
// retried; the caller's deadline, or its cancellation, stops the loop
// instead.
//
// # Idempotency
//
// A failed call may have been carried out: a DeadlineExceeded, an
// Internal, an Unknown, a broken connection can come after the server
// acted, and retrying CreateOrder would then order twice. So the
// Interceptor retries a call as its class says only if its method is
// idempotent: by default (see [IsIdempotent]) if its .proto file declares
// it so,
//
//	rpc GetUser(GetUserRequest) returns (User) {
//	  option idempotency_level = NO_SIDE_EFFECTS; // or IDEMPOTENT
//	}
//
// as read from the descriptors that generated code registers
// (protoregistry.GlobalFiles), once per method. [Idempotent] sets another
// rule, and [CallIdempotent] overrides it for one call.
//
// Any other method is retried only after failures that show that the
// server did not act on the request:
//
//   - The attempt never reached a server: no connection could be made,
//     or none was ready (an Unavailable, or a DeadlineExceeded of an
//     attempt that waited for one). gRPC opened no stream for it, so its
//     request was never sent. (gRPC itself sends again, transparently,
//     a request that reached a server which refused its stream unread.)
//     The Interceptor learns this from a grpc.Peer call option that gRPC
//     fills only for an attempt with a stream: an interceptor chained
//     after it must pass the call options on, as interceptors do.
//   - The server asked for a retry: its failure has a
//     grpc-retry-pushback-ms trailer with a delay, zero included (see
//     Server pushback), as a server that sheds load before doing any
//     work may send.
//
// Every other failure of such a method ends the call, whatever its code,
// because it came after the request was sent, and the server may have
// acted on it. gRPC's own retry (gRFC A6) is no more daring: by itself it
// sends again only a request that never reached the server's
// application, and retries other failures only of the methods, and with
// the codes, that the service's owner lists in its service config. That includes an Unavailable from the server or from a
// connection that broke during the call (gRPC cannot tell whether the
// server got the request), a ResourceExhausted without pushback (a
// server's quota may be counted after the work, and a response too large
// for the client is one that the server made), and an Aborted, with which
// a server says that the caller should retry at a higher level, rereading
// what it wrote from, rather than repeat the call. Such a failure is
// Permanent, also when the attempt's own timeout (retry.AttemptTimeout)
// ended it, and errors.Is finds [ErrNotIdempotent] in the call's error,
// whose status keeps the server's code. No later attempt of the call
// reaches the server, even if a classifier of the caller's calls the
// error retryable: such an attempt fails at once with the same error.
//
// A stream follows the same rule until it is committed (see Streams): an
// attempt that opened a stream may have reached the server's handler.
//
// # Server pushback
//
// A server may answer a failed call with a grpc-retry-pushback-ms
// trailer. A non-negative integer is its hint of how long to wait, in
// milliseconds: the next attempt waits at least that long, capped by
// retry.MaxRetryAfter (1 minute by default), and the loop gives up at once
// when the wait would not end before its deadline. A negative value, or
// one that is not an integer, or several values, mean that the call must
// not be retried: the attempt's error is Permanent, whatever its code, and
// errors.Is finds [ErrPushback] in it. A delay is the server's request for
// a retry: it allows one even for a method that is not idempotent.
//
// # Streams
//
// A stream is retried until it is committed, that is until the caller
// receives a response from it: its first message (or its end, for one
// that ends without a message), or its header through Header. Until then
// the stream keeps the messages it is sent, up to [ReplayLimit] (256 KiB
// by default), and whether CloseSend was called; to retry, the loop opens
// a new stream and sends it all again. A stream that has sent more than
// the limit is committed too. A committed stream is never retried: its
// failures reach the caller as gRPC reports them.
//
// The loop runs in the stream's first RecvMsg, so one loop spans the
// whole call; retry.AttemptTimeout bounds each attempt from that call (or
// from its opening, for the attempts after the first) until its first
// response, and a stream committed by its first message lives on as long
// as the caller's context.
//
// # Errors
//
// When the loop gives up, Unary (or a stream's RecvMsg) returns an error
// that keeps everything: errors.As finds the *retry.Error and, through it,
// the last attempt's status error; errors.Is finds the reason
// (retry.ErrMaxAttempts and the others). Its gRPC status, which
// status.FromError and status.Code read, has the code and details of the
// last attempt's status or, when the caller's context ended the call,
// Canceled or DeadlineExceeded, as gRPC itself reports; its message is the
// error's text, which says why the loop stopped.
//
// Such an error is Permanent to an outer retry loop, as every *retry.Error
// is: when loops nest, only the innermost one retries.
//
// # Budgets
//
// Each target (a ClientConn's canonical target) has a retry budget of its
// own, retry.NewBudget(0.1, 10): its retries are at most 10% of its calls,
// plus one per call that succeeds, plus 10, so that a service that is
// down gets little more than its ordinary traffic, and cannot use up the
// retries of other services.
// [BudgetPerTarget] sets other parameters, [Budget] shares one budget
// among every target, [NoBudget] lifts it. A call that the budget refuses
// fails with retry.ErrBudgetExhausted.
//
// # Circuit breakers
//
// A budget bounds the retries that a service that is down gets; a
// circuit breaker spares it the first attempts too, while it recovers,
// and spares the callers a wait for each failure. [BreakerPerTarget]
// gives each target a breaker of its own, shared by every call of the
// Interceptor:
//
//	r := retrygrpc.New(retrygrpc.BreakerPerTarget(breaker.Config{}))
//
// It is off by default: it turns a failing service's errors into refusals
// that callers see at once, which a caller should choose. The zero
// breaker.Config is safe to turn on: a target's breaker opens when four in
// five of its calls of the last 10 seconds fail, given at least 20 of them, or
// after 20 failures in a row (more than the 6 attempts of one call, so
// that one call alone never opens it); Unavailable, DeadlineExceeded,
// Internal, Unknown and ResourceExhausted count, those of calls that are
// not retried because they are not idempotent too, the codes that
// [Classifier] calls Permanent (NotFound, InvalidArgument and the like),
// Aborted and a call that the caller cancelled do not; and a
// ResourceExhausted with the server's pushback opens it for the hinted
// time. Once open, it refuses calls for about 5 seconds, then lets one
// probe through: a success closes it, a failure opens it again for
// longer. A refused attempt is not made, spends no budget, and is told to
// subscribers as an observe.BreakerRejected. A call refused before its
// first attempt waits for the probe if that fits its deadline, and
// otherwise fails at once, without reaching the server, with the code
// Unavailable and an error matching retry.ErrBreakerOpen and
// breaker.ErrOpen. A stream created while its breaker is not closed is
// opened by its first RecvMsg, once the breaker admits it. Each breaker is
// named after its target, such as "dns:///users.internal:443", in its
// events and errors; give breaker.Config.Subscribers a subscriber, such as
// package observe/promobserve's, whose gauge reflexio_breaker_state shows
// each target's state.
//
// # Hedging
//
// Retries help a call that fails; [Hedge] helps one that is merely slow.
// With Hedge(delay, max), a unary call that has not answered after delay
// is made again, up to max attempts in flight at once; the first reply
// that does not fail is returned, the other attempts are cancelled, and
// Unary returns only once every attempt has:
//
//	r := retrygrpc.New(retrygrpc.Hedge(50*time.Millisecond, 2))
//
// [HedgeAdaptive] hedges each target after a high quantile of its recent
// latency instead, within a floor and a cap. Only the calls that may be
// made more than once are hedged: those that the idempotency rule allows
// (see Idempotency), whose reply is a protobuf message; any other call is
// made one attempt at a time, hedging or not, and a stream is never hedged. Each
// attempt decodes its reply into a message of its own, but the first to
// start, which decodes into the caller's; when another attempt wins, its
// reply is merged into the caller's, reset first, once every attempt has
// returned. The caller's grpc.Header, grpc.Trailer and grpc.Peer options
// get the winner's metadata, or, when the call fails, that of the attempt
// whose error it returns. A hedge is an attempt like a retry:
// retry.MaxAttempts counts it, the target's budget pays for it (a budget
// that refuses stops new hedges, never the attempts in flight), and its
// breaker is asked first. Events observe.HedgeStarted, HedgeWon and
// HedgeCancelled tell what the hedging did. Hedging runs the call through
// retry.DoHedged.
//
// # gRPC's own retry
//
// gRPC can retry by itself, when a service config (from the name
// resolver, or grpc.WithDefaultServiceConfig) has a retry policy for the
// method. With an Interceptor as well, each of its attempts would be
// retried by gRPC: the two multiply, 5 attempts of each making 25 calls,
// and gRPC's attempts escape this package's budgets and events. Disable
// gRPC's with grpc.WithDisableRetry, as DialOptions does. The Interceptor
// cannot see a ClientConn's dial options, so it cannot tell whether its
// ClientConn was dialled so: it neither warns nor refuses. A ClientConn
// without a retry policy in its service config, the usual case, retries
// nothing by itself anyway. gRPC's transparent retry stays on either way:
// it sends again only an attempt that never reached the server's
// application.
//
// # Events
//
// Events carry the call's full method name, such as
// "/users.v1.Users/GetUser", unless retry.Name sets another.
package retrygrpc
