package retrygrpc

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
	"github.com/reflexio-go/reflexio/retry"
)

// Hedge makes the Interceptor hedge the unary calls that it may make more
// than once: when a call has not answered after delay, Unary makes it
// again, up to max attempts in flight at once, the first included, and
// returns the first reply that does not fail; the other attempts are
// cancelled, and Unary returns only once every one of them has returned.
// It runs the call through retry.DoHedged with retry.Hedge(delay, max):
// hedges are attempts, which retry.MaxAttempts counts, the target's
// budget pays for as for a retry and its breaker (see BreakerPerTarget) is
// asked about; a budget or a breaker that refuses stops new hedges, never
// the attempts in flight, and a failed attempt starts the next one at
// once while others are in flight (see retry.Hedge).
//
// Only a unary call that the idempotency rule allows (see Idempotent and
// CallIdempotent) and whose reply is a protobuf message (a proto.Message,
// or a protoadapt.MessageV1, as protoc-gen-go generates, not nil) is
// hedged; any other is made one attempt at a time, as without Hedge. Each
// attempt decodes its reply into a message of its own, but one, which
// decodes into the caller's (the first to start, or, once it failed, the
// next): when another wins, the caller's
// reply is reset and the winner's merged into it (proto.Reset,
// proto.Merge) once every attempt has returned, so that no attempt writes
// to it while another does. The caller's grpc.Header, grpc.Trailer and
// grpc.Peer options get the metadata and the peer of the attempt whose
// reply or error Unary returns; the attempts' own go to options of their
// own. Every attempt gets the caller's other call options: a grpc.OnFinish
// function is called for each attempt, at once from several goroutines
// when they run at once.
//
// Streams are not hedged: a stream carries the caller's messages as the
// caller sends them and hands over the server's as they come, so that two
// streams in flight would both need every message sent, and could both
// answer, for one caller who reads one. Bound a stream's wait for its
// first response with retry.AttemptTimeout instead.
//
// Hedge with this option, or HedgeAdaptive, not with a retry.Hedge among
// the options of Retry or CallRetry: the calls that are not hedged fail
// with retry.ErrInvalidOption when they get one, as retry.Do does.
//
// delay must not be negative; max must be at least 2. The last Hedge or
// HedgeAdaptive wins.
//
// Default: none; one attempt at a time.
func Hedge(delay time.Duration, max int) Option {
	return hedge{integration.Hedge{Delay: delay, Max: max}}
}

// HedgeAdaptive is Hedge with a delay that follows each target's latency:
// the Interceptor gives each target (the ClientConn's canonical target, as
// for BudgetPerTarget) a retry.Latency of its own, made with
// retry.NewLatency(cfg) at its first hedged call, and hedges each call
// with retry.HedgeAdaptive: after a high quantile (by default the 95th
// percentile) of the recent latency of the attempts to its target, within
// a floor and a cap, or after a fixed fallback until enough of them have
// been measured (see retry.LatencyConfig for the defaults). Only the
// attempts of hedged calls are measured, and of those only the ones that
// returned by themselves, not the losers that were cancelled.
//
// The Interceptor keeps the latencies of retry.DefaultMaxKeys targets at
// most, in a retry.Latencies: past that, the target least recently called
// is forgotten, and is hedged at the fallback delay when it is called
// again, until it has been measured anew.
//
// An invalid cfg, or a max below 2, makes every call fail before it is
// made, with an error that names the field and its value and matches
// retry.ErrInvalidOption. The last Hedge or HedgeAdaptive wins.
//
// Default: none; one attempt at a time.
func HedgeAdaptive(cfg retry.LatencyConfig, max int) Option {
	return hedge{integration.Hedge{Max: max, Cfg: cfg, Adaptive: true}}
}

// hedge is Hedge's and HedgeAdaptive's Option.
type hedge struct{ integration.Hedge }

func (o hedge) apply(i *Interceptor) {
	if reason := o.Check(); reason != "" {
		i.fail(o, reason)
		return
	}
	i.hedger = o.Build()
}

// hedging reports whether the Interceptor hedges the calls it may repeat.
func (i *Interceptor) hedging() bool { return i.hedger != nil }

// hedgeOption returns the retry option that makes a call on cc hedge.
func (i *Interceptor) hedgeOption(cc *grpc.ClientConn) retry.Option {
	return i.hedger.Option(target(cc))
}

// hedgeable returns reply as a protobuf message that a hedged call can
// decode a fresh copy of, and merge into, or false if it is none: not a
// protobuf message, or a nil one.
func hedgeable(reply any) (proto.Message, bool) {
	var m proto.Message
	switch r := reply.(type) {
	case proto.Message:
		m = r
	case protoadapt.MessageV1:
		m = protoadapt.MessageV2Of(r)
	default:
		return nil, false
	}
	if m == nil || !m.ProtoReflect().IsValid() {
		return nil, false
	}
	return m, true
}

// hedgedCall is the state of one hedged unary call. Its attempts run at
// once, each on a goroutine of its own but the first of each round: what
// they share is guarded by mu; the other fields are read, never written,
// while they run.
type hedgedCall struct {
	method  string
	req     any
	reply   any           // the caller's, as given
	dst     proto.Message // reply as a protobuf message
	typ     protoreflect.MessageType
	cc      *grpc.ClientConn
	invoker grpc.UnaryInvoker
	opts    []grpc.CallOption // the caller's, but its outputs
	outs    []grpc.CallOption // the caller's Header, Trailer and Peer options

	mu      sync.Mutex
	busy    bool             // an attempt decodes into reply, or one did and succeeded
	started bool             // the first attempt started, with first
	first   hedgedAttempt    // the call's first attempt: one allocation fewer
	failed  []*hedgedAttempt // the attempts that failed, for the caller's outputs
}

// hedgedAttempt is one attempt of a hedged call: its reply, and what gRPC
// told of it.
type hedgedAttempt struct {
	msg     any  // what the reply was decoded into
	own     bool // msg is the caller's reply
	err     error
	header  metadata.MD
	trailer metadata.MD
	peer    peer.Peer // set only if the attempt had a stream, as header and trailer

	optsBuf [8]grpc.CallOption // the attempt's call options, if they fit
}

// unaryHedged makes a call of Unary that hedges: dst is its reply as a
// protobuf message, and opts its retry options.
func (i *Interceptor) unaryHedged(ctx context.Context, method string, req, reply any, dst proto.Message, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts []grpc.CallOption, opts []retry.Option) error {
	// The reply's type, read before any attempt: reading it later, from
	// dst, would race with an attempt that decodes into it.
	typ := dst.ProtoReflect().Type()
	h := &hedgedCall{method: method, req: req, reply: reply, dst: dst, typ: typ, cc: cc, invoker: invoker}
	h.opts, h.outs = splitOutputs(callOpts)
	won, err := retry.DoHedged(ctx, h.attempt, append(opts, i.hedgeOption(cc))...)
	// Every attempt has returned: nothing writes to reply any more.
	if err != nil {
		if re, ok := errors.AsType[*retry.Error](err); ok && re.Last != nil {
			h.deliver(h.failedWith(re.Last))
		}
		return failed(err)
	}
	if !won.own {
		proto.Reset(dst)
		proto.Merge(dst, won.msg.(proto.Message))
	}
	h.deliver(won)
	return nil
}

// attempt is the operation that retry.DoHedged calls, perhaps several at
// once: one attempt at the call.
func (h *hedgedCall) attempt(actx context.Context) (*hedgedAttempt, error) {
	a := h.begin()
	// gRPC fills them only if the attempt had a stream, as it would the
	// caller's.
	callOpts := append(append(a.optsBuf[:0], h.opts...), grpc.Trailer(&a.trailer), grpc.Header(&a.header), grpc.Peer(&a.peer))
	err := h.invoker(actx, h.method, h.req, a.msg, h.cc, callOpts...)
	if err == nil {
		return a, nil
	}
	a.err = withPushback(err, a.trailer)
	h.mu.Lock()
	if a.own {
		h.busy = false // a later attempt may decode into it again
	}
	h.failed = append(h.failed, a)
	h.mu.Unlock()
	return nil, a.err
}

// begin returns a new attempt, with the message into which it decodes its
// reply: the caller's, if no other attempt decodes into it and none
// decoded into it successfully; otherwise a new, empty message of its
// type.
func (h *hedgedCall) begin() *hedgedAttempt {
	h.mu.Lock()
	var a *hedgedAttempt
	if h.started {
		a = new(hedgedAttempt)
	} else {
		a, h.started = &h.first, true
	}
	a.own = !h.busy
	h.busy = true
	h.mu.Unlock()
	if a.own {
		a.msg = h.reply
	} else {
		a.msg = h.typ.New().Interface()
	}
	return a
}

// failedWith returns the attempt that failed with err, the last error of
// the call, or nil. The loop keeps an error without its markers
// (classify.Strip): that of a server's pushback, which withPushback put
// on the attempt's error, is one.
func (h *hedgedCall) failedWith(err error) *hedgedAttempt {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.failed {
		if sameError(a.err, err) || sameError(classify.Strip(a.err), err) {
			return a
		}
	}
	return nil
}

// sameError reports whether a and b are the same error value. Errors of a
// type that cannot be compared, whose == would panic, are never the same.
func sameError(a, b error) bool {
	if t := reflect.TypeOf(a); t != reflect.TypeOf(b) || !t.Comparable() {
		return false
	}
	return a == b
}

// splitOutputs returns the call options of opts that only take what gRPC
// tells of an attempt, grpc.Header, grpc.Trailer and grpc.Peer, apart from
// the others: the attempts of a hedged call, which may run at once, must
// not write to the caller's.
func splitOutputs(opts []grpc.CallOption) (in, outs []grpc.CallOption) {
	n := 0
	for _, o := range opts {
		switch o.(type) {
		case grpc.HeaderCallOption, grpc.TrailerCallOption, grpc.PeerCallOption:
			n++
		}
	}
	if n == 0 {
		return opts, nil // the usual case: nothing to copy
	}
	in = make([]grpc.CallOption, 0, len(opts)-n)
	for _, o := range opts {
		switch o.(type) {
		case grpc.HeaderCallOption, grpc.TrailerCallOption, grpc.PeerCallOption:
			outs = append(outs, o)
		default:
			in = append(in, o)
		}
	}
	return in, outs
}

// deliver gives the caller's output options what gRPC told of a, the
// attempt whose reply or error the call returns, if it had a stream: as
// gRPC itself, which fills them only then.
func (h *hedgedCall) deliver(a *hedgedAttempt) {
	if a == nil || a.peer.Addr == nil {
		return
	}
	for _, o := range h.outs {
		switch o := o.(type) {
		case grpc.HeaderCallOption:
			*o.HeaderAddr = a.header
		case grpc.TrailerCallOption:
			*o.TrailerAddr = a.trailer
		case grpc.PeerCallOption:
			*o.PeerAddr = a.peer
		}
	}
}
