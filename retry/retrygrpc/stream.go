package retrygrpc

import (
	"context"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// Stream is a grpc.StreamClientInterceptor: it returns a stream that is
// retried, on a new stream with the messages sent so far sent again,
// while it is not committed, that is until the caller receives a response
// from it: its first message (or its end, for a stream that ends without
// one), or its header through Header. A committed stream is never
// retried, and a stream of a method that is not idempotent (see
// Idempotent) is retried only after a failure to open it, or a server's
// request for a retry. See the package documentation for the rules.
//
// The retry loop runs in the stream's first RecvMsg: one loop per call,
// whose attempts are the streams opened for it. Stream itself fails only
// when the caller's context is done before the stream opens, or an Option
// is invalid; a stream that fails to open is opened again by the loop,
// and until then SendMsg keeps what it is given and Header returns no
// metadata. So does a stream whose breaker (see BreakerPerTarget) is not
// closed when Stream is called: the loop opens it once the breaker admits
// it. An invalid option of package retry (given to Retry or
// CallRetry) shows only when the loop runs, in the first RecvMsg, after
// the first stream opened.
//
// When the loop gives up, RecvMsg returns an error like Unary's, and so do
// its later calls; a committed stream returns its errors as gRPC gives
// them.
func (i *Interceptor) Stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if i.err != nil {
		return nil, failed(i.err)
	}
	b := i.breakerFor(cc)
	s := &clientStream{
		ctx: ctx,
		open: func(ctx context.Context) (grpc.ClientStream, error) {
			return streamer(ctx, desc, cc, method, opts...)
		},
		retryOpts:  i.options(cc, method, opts, b, false),
		limit:      i.limit(),
		repeatable: i.repeatable(method, opts),
	}
	if b != nil && b.State() != observe.BreakerClosed {
		// The breaker may refuse the first attempt: the loop opens its
		// stream once the breaker admits it, so that a refused call
		// never reaches the server.
		s.deferred, s.pending = true, errNotOpened
		return s, nil
	}
	sctx, cancel := context.WithCancel(ctx)
	cs, err := streamer(sctx, desc, cc, method, opts...)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, err // the caller's context: nothing to retry
		}
		s.pending = err
		return s, nil
	}
	s.cur, s.cancel = cs, cancel
	return s, nil
}

// errNotOpened is the error of a stream that Stream did not open, because
// its breaker was not closed, and that was sent more than its ReplayLimit
// before its first RecvMsg could open it.
var errNotOpened error = &callError{err: notOpened{}, st: status.New(codes.Unavailable, notOpened{}.Error())}

// notOpened is the cause of errNotOpened: it matches breaker.ErrOpen.
type notOpened struct{}

func (notOpened) Error() string {
	return "retrygrpc: stream not opened: its circuit breaker is open, and it was sent more than its ReplayLimit before RecvMsg"
}

func (notOpened) Is(target error) bool { return target == breaker.ErrOpen }

// clientStream is the stream that Stream returns. Each attempt has a
// stream of its own, with a context of its own, derived from the caller's,
// which the attempt's context (of retry.AttemptTimeout) bounds until the
// attempt ends: a committed stream lives as long as the caller's context.
type clientStream struct {
	ctx        context.Context // the caller's
	open       func(context.Context) (grpc.ClientStream, error)
	retryOpts  []retry.Option
	limit      int  // ReplayLimit
	repeatable bool // the call may be made more than once: see Idempotent
	deferred   bool // the first attempt opens the first stream: see Stream

	mu        sync.Mutex
	cur       grpc.ClientStream  // the current attempt's; nil if it failed to open
	cancel    context.CancelFunc // cur's context's; nil with cur
	pending   error              // why cur is nil
	sent      []any              // the messages sent while not committed, to send again
	size      int                // their size, at most limit
	closed    bool               // CloseSend was called
	committed bool               // a response came: never retried
	failed    error              // the loop gave up, or the stream could not be retried: RecvMsg's error

	// Only RecvMsg uses these, and RecvMsg is never called concurrently
	// with itself.
	attempts int
	last     error // the last attempt's error
	recvErr  error // what the attempt that succeeded received: nil or io.EOF
	// refused is the error of an attempt that opened a stream, of a call
	// that must not be made twice: no attempt after it opens one,
	// whatever the loop makes of it (see Unary).
	refused error
}

var _ grpc.ClientStream = (*clientStream)(nil)

// RecvMsg receives the stream's next message. The first call of a stream
// not yet committed runs the retry loop.
func (s *clientStream) RecvMsg(m any) error {
	s.mu.Lock()
	cur, committed, failedErr := s.cur, s.committed, s.failed
	s.mu.Unlock()
	switch {
	case failedErr != nil:
		return failedErr
	case committed:
		err := cur.RecvMsg(m)
		if err != nil { // the stream is over: release its context
			s.release()
		}
		return err
	}
	err := retry.Run(s.ctx, func(actx context.Context) error { return s.attempt(actx, m) }, s.retryOpts...)
	if err != nil {
		err = failed(err)
		s.mu.Lock()
		s.failed = err
		s.sent, s.size = nil, 0
		s.mu.Unlock()
		s.release()
		return err
	}
	if s.recvErr != nil {
		s.release()
	}
	return s.recvErr
}

// attempt is the operation of the retry loop: it opens a new stream if an
// attempt failed before, and receives the first response into m.
func (s *clientStream) attempt(actx context.Context, m any) error {
	if s.refused != nil {
		return s.refused
	}
	s.attempts++
	var cur grpc.ClientStream
	var cancel context.CancelFunc
	if s.attempts == 1 && !s.deferred {
		s.mu.Lock()
		cur, cancel, s.last = s.cur, s.cancel, s.pending
		s.mu.Unlock()
		if cur == nil {
			return s.last // the stream failed to open: the loop retries that
		}
	}
	var ctx context.Context // of a new stream
	if cur == nil {
		ctx, cancel = context.WithCancel(s.ctx)
		defer func() {
			if cur == nil { // it failed to open, or the attempt panicked
				cancel()
			}
		}()
	}
	stop := bound(actx, s.ctx, cancel)
	if ctx != nil {
		var err error
		if cur, err = s.reopen(ctx, cancel); err != nil {
			stop()
			s.last = err
			return err
		}
	}
	err := cur.RecvMsg(m)
	if !stop() && (err == nil || err == io.EOF) {
		// The attempt's time ran out as its response came, and cancelled
		// the stream: the response is lost with it.
		s.last = s.reached(context.Cause(actx), nil)
		return s.last
	}
	if err == nil || err == io.EOF {
		s.mu.Lock()
		s.commit()
		s.mu.Unlock()
		s.recvErr = err
		return nil
	}
	trailer := cur.Trailer()
	s.last = s.reached(withPushback(err, trailer), trailer)
	return s.last
}

// reached returns what the retry loop gets of err, the error of an
// attempt whose stream opened, and so may have reached the server's
// handler, and whose trailer is md: err, if the call may be made more than
// once or the server asked for a retry; otherwise an error that says why
// it is not retried, which every later attempt returns as well.
func (s *clientStream) reached(err error, md metadata.MD) error {
	if s.repeatable || invited(md) {
		return err
	}
	s.refused = refuse(err)
	return s.refused
}

// reopen replaces the current stream by a new one, opened with ctx, whose
// cancel function is cancel, and sends it what the caller sent so far. It
// returns the new stream, or why it could not open one.
func (s *clientStream) reopen(ctx context.Context, cancel context.CancelFunc) (grpc.ClientStream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		// Header or SendMsg committed the stream while the loop ran.
		return nil, classify.MarkPermanent(s.last)
	}
	if s.cancel != nil {
		s.cancel() // the failed attempt's stream
	}
	s.cur, s.cancel, s.pending = nil, nil, nil
	cs, err := s.open(ctx)
	if err != nil {
		s.pending = err
		return nil, err
	}
	for _, m := range s.sent {
		if err := cs.SendMsg(m); err != nil {
			// io.EOF: the stream failed, and RecvMsg will say why. Any
			// other error failed it too, and RecvMsg says so as well.
			break
		}
	}
	if s.closed {
		cs.CloseSend()
	}
	s.cur, s.cancel = cs, cancel
	return cs, nil
}

// bound makes the end of actx, an attempt's context, cancel the attempt's
// stream until the returned function is called, which reports whether
// that came first. Without an attempt context of its own (no
// retry.AttemptTimeout), it does nothing.
func bound(actx, ctx context.Context, cancel context.CancelFunc) (stop func() bool) {
	if actx.Done() == ctx.Done() {
		return func() bool { return true }
	}
	return context.AfterFunc(actx, cancel)
}

// commit makes the stream final: it is never retried, and keeps nothing to
// send again. s.mu must be held.
func (s *clientStream) commit() {
	s.committed = true
	s.sent, s.size = nil, 0
}

// release cancels the current stream's context, once the stream is over.
func (s *clientStream) release() {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// SendMsg sends m on the current stream and, while the stream is not
// committed, keeps it to send again on a new one. An io.EOF of a stream
// not committed is not returned: it means that the stream failed, which
// the first RecvMsg will retry.
func (s *clientStream) SendMsg(m any) error {
	s.mu.Lock()
	if s.failed != nil {
		s.mu.Unlock()
		return io.EOF // RecvMsg says why
	}
	if !s.committed {
		if n := msgSize(m); n >= 0 && n <= s.limit-s.size {
			s.sent = append(s.sent, m)
			s.size += n
		} else if s.cur == nil {
			// The stream failed to open, and cannot be opened again
			// with all that it was sent.
			s.failed = s.pending
			s.mu.Unlock()
			return io.EOF
		} else {
			s.commit() // too much to keep
		}
	}
	cur, committed := s.cur, s.committed
	s.mu.Unlock()
	if cur == nil {
		return nil // kept, to be sent when the loop opens a stream
	}
	err := cur.SendMsg(m)
	switch {
	case err == io.EOF && !committed:
		return nil // the stream failed: RecvMsg retries it, m included
	case err != nil && err != io.EOF:
		// A failure of the client's (the message cannot be encoded, or
		// is too large) that a retry would meet again.
		s.mu.Lock()
		if s.cur == cur {
			s.commit()
		}
		s.mu.Unlock()
	}
	return err
}

// CloseSend closes the sending side of the current stream, and of every
// stream the loop opens after it.
func (s *clientStream) CloseSend() error {
	s.mu.Lock()
	s.closed = true
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	return cur.CloseSend()
}

// Header returns the current stream's header, and commits the stream if
// there is one: the caller has seen a response.
func (s *clientStream) Header() (metadata.MD, error) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return nil, nil // as gRPC says of a stream that failed: RecvMsg tells why
	}
	md, err := cur.Header()
	if err == nil && md != nil {
		s.mu.Lock()
		if s.cur == cur {
			s.commit()
		}
		s.mu.Unlock()
	}
	return md, err
}

// Trailer returns the current stream's trailer, once RecvMsg has returned
// an error: the last attempt's.
func (s *clientStream) Trailer() metadata.MD {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	return cur.Trailer()
}

// Context returns the current stream's context, or the caller's while
// there is none.
func (s *clientStream) Context() context.Context {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur == nil {
		return s.ctx
	}
	return cur.Context()
}

// msgSize returns the size of m, a message a stream sends, as ReplayLimit
// counts it, or -1 if it cannot be told.
func msgSize(m any) int {
	switch m := m.(type) {
	case proto.Message:
		return proto.Size(m)
	case protoadapt.MessageV1:
		return proto.Size(protoadapt.MessageV2Of(m))
	case []byte:
		return len(m)
	case *[]byte:
		if m != nil {
			return len(*m)
		}
	}
	return -1
}
