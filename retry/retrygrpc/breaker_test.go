package retrygrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// setSteps replaces the steps of s: the calls from now on answer as they
// say, from the first.
func (s *server) setSteps(steps ...step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = steps
}

// changesOf returns the changes of state that rec, a breakers' subscriber,
// holds, as "name: from -> to".
func changesOf(rec *observe.Recorder) (out []string) {
	for _, e := range rec.Events() {
		c := e.(observe.BreakerStateChange) // a breaker sends no other event
		out = append(out, fmt.Sprintf("%s: %v -> %v", c.Breaker, c.From, c.To))
	}
	return out
}

// TestBreakerPerTargetOpensForItsTargetOnly runs against two real gRPC
// servers on loopback: three Unavailable calls in a row to one open its
// breaker, the other stays reachable; the unary calls and the streams that
// the open breaker refuses never reach the server, and fail with the code
// Unavailable; once the server is back, a call that waits for the probe
// gets through and closes the breaker. It asserts nothing about time: a
// call that finds the break over or nearly over (the machine stalled) is,
// or waits for, a probe, which the server, still down, fails.
func TestBreakerPerTargetOpensForItsTargetOnly(t *testing.T) {
	checkLeaks(t)
	a, b := newServer(t, fail(codes.Unavailable)), newServer(t, ok())
	changes := &observe.Recorder{}
	r := retrygrpc.New(fast, retrygrpc.Retry(retry.MaxAttempts(1)), retrygrpc.BreakerPerTarget(breaker.Config{
		ConsecutiveFailures: 3,
		BreakDuration:       500 * time.Millisecond,
		Subscribers:         []observe.Subscriber{changes},
	}))
	connA, connB := dialWith(t, a, r), dialWith(t, b, r)

	for n := range 3 {
		if _, err := unary(t.Context(), connA, "hi"); status.Code(err) != codes.Unavailable {
			t.Fatalf("call %d to A = %v; want Unavailable", n+1, err)
		}
	}
	if got, err := unary(t.Context(), connB, "hi"); err != nil {
		t.Fatalf("call to B = %q, %v; want an answer: B's breaker is its own", got, err)
	}

	refused := 0
	for n := range 6 {
		before := a.calls.Load()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		var err error
		if n%2 == 0 {
			_, err = unary(ctx, connA, "hi")
		} else {
			_, err = serverStream(ctx, connA, "hi")
		}
		cancel()
		switch {
		case errors.Is(err, retry.ErrBreakerOpen):
			refused++
			if !errors.Is(err, breaker.ErrOpen) || status.Code(err) != codes.Unavailable {
				t.Errorf("refused call %d = %v (code %v); want one matching breaker.ErrOpen, Unavailable", n, err, status.Code(err))
			}
			if got := a.calls.Load(); got != before {
				t.Errorf("refused call %d reached the server: %d calls, %d before", n, got, before)
			}
		case status.Code(err) == codes.Unavailable && strings.Contains(err.Error(), "injected"):
			// A probe, once the break was over: A, still down, fails it.
			if got := a.calls.Load(); got != before+1 {
				t.Errorf("probe %d: %d calls, %d before", n, got, before)
			}
		case status.Code(err) == codes.DeadlineExceeded:
			// On a busy machine, the break was nearly over: the call
			// waited for the probe, and ran out of time before it or
			// during it. The server may have seen it or not.
			if got := a.calls.Load(); got != before && got != before+1 {
				t.Errorf("call %d, out of time: %d calls, %d before", n, got, before)
			}
		default:
			t.Fatalf("call %d to A, open = %v; want a refusal matching retry.ErrBreakerOpen", n, err)
		}
	}
	if refused == 0 {
		t.Fatal("no call was refused while A was down")
	}

	a.setSteps(ok())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := unary(ctx, connA, "hi"); err != nil {
		t.Fatalf("call to A, back = %v; want an answer, after the probe", err)
	}
	before := a.calls.Load()
	if got, err := serverStream(t.Context(), connA, "hi"); err != nil || len(got) != 0 || a.calls.Load() != before+1 {
		t.Fatalf("stream to A, closed = %q, %v, %d calls; want no messages, nil, %d calls", got, err, a.calls.Load(), before+1)
	}

	got := changesOf(changes)
	if len(got) < 3 {
		t.Fatalf("state changes %q; want closed -> open, ..., half_open -> closed", got)
	}
	name := "passthrough:///" + a.addr
	if want := name + ": closed -> open"; got[0] != want {
		t.Errorf("first change %q; want %q", got[0], want)
	}
	if want := name + ": half_open -> closed"; got[len(got)-1] != want {
		t.Errorf("last change %q; want %q", got[len(got)-1], want)
	}
	for _, c := range got {
		if !strings.HasPrefix(c, name+": ") {
			t.Errorf("change %q is not of A's breaker", c)
		}
	}
}

// TestBreakerRefusalAfterAnAttemptKeepsItsCode: a call whose breaker opens
// at its first failure, and then refuses its retry, fails with the code of
// that failure, not the Canceled of a caller's context.
func TestBreakerRefusalAfterAnAttemptKeepsItsCode(t *testing.T) {
	s := newServer(t, fail(codes.Internal))
	r := retrygrpc.New(fast, retrygrpc.BreakerPerTarget(breaker.Config{ConsecutiveFailures: 1, BreakDuration: time.Minute}))
	conn := dialWith(t, s, r)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := unary(ctx, conn, "hi")
	if !errors.Is(err, retry.ErrBreakerOpen) || status.Code(err) != codes.Internal {
		t.Errorf("call = %v (code %v); want retry.ErrBreakerOpen, Internal", err, status.Code(err))
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("%d calls; want 1", n)
	}
}

// TestStreamOpensOnceItsBreakerAdmitsIt: a stream created while its
// breaker is open is not opened; what it is sent is kept, and sent on the
// stream that its first RecvMsg opens once the breaker admits a probe.
func TestStreamOpensOnceItsBreakerAdmitsIt(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), ok())
	r := retrygrpc.New(fast, retrygrpc.Retry(retry.MaxAttempts(1)),
		retrygrpc.BreakerPerTarget(breaker.Config{ConsecutiveFailures: 1, BreakDuration: 50 * time.Millisecond}))
	conn := dialWith(t, s, r)
	if _, err := unary(t.Context(), conn, "hi"); status.Code(err) != codes.Unavailable {
		t.Fatalf("unary() = %v; want Unavailable, which opens the breaker", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cs, err := conn.NewStream(ctx, clientStreamDesc, clientMethod)
	if err != nil {
		t.Fatalf("NewStream() = %v", err)
	}
	sendAll(t, cs, "a", "b")
	if n := s.calls.Load(); n != 1 {
		t.Errorf("%d calls before RecvMsg; want 1: the stream waits for its breaker", n)
	}
	got, err := recvAll(cs)
	if err != nil || len(got) != 1 || got[0] != "a+b #2" {
		t.Errorf("recvAll() = %q, %v; want [\"a+b #2\"], nil", got, err)
	}
	if got, want := s.gotten(), [][]string{{"hi"}, {"a", "b"}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the server received %q; want %q", got, want)
	}
}

// TestStreamOverItsReplayLimitWhileItsBreakerIsOpen: a stream that is not
// opened, because its breaker is open, and that is sent more than it may
// keep, fails with Unavailable, matching breaker.ErrOpen, and never
// reaches the server.
func TestStreamOverItsReplayLimitWhileItsBreakerIsOpen(t *testing.T) {
	s := newServer(t, fail(codes.Unavailable))
	r := retrygrpc.New(fast, retrygrpc.Retry(retry.MaxAttempts(1)), retrygrpc.ReplayLimit(4),
		retrygrpc.BreakerPerTarget(breaker.Config{ConsecutiveFailures: 1, BreakDuration: time.Minute}))
	conn := dialWith(t, s, r)
	if _, err := unary(t.Context(), conn, "hi"); status.Code(err) != codes.Unavailable {
		t.Fatalf("unary() = %v; want Unavailable, which opens the breaker", err)
	}

	cs, err := conn.NewStream(t.Context(), clientStreamDesc, clientMethod)
	if err != nil {
		t.Fatalf("NewStream() = %v", err)
	}
	if err := cs.SendMsg(wrapperspb.String("too long")); err != io.EOF {
		t.Errorf("SendMsg(too long) = %v; want io.EOF", err)
	}
	err = cs.RecvMsg(new(wrapperspb.StringValue))
	if !errors.Is(err, breaker.ErrOpen) || status.Code(err) != codes.Unavailable {
		t.Errorf("RecvMsg() = %v (code %v); want one matching breaker.ErrOpen, Unavailable", err, status.Code(err))
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("%d calls; want 1: the stream never opened", n)
	}
}

// TestBreakerCountsFailuresOfCallsNotRetried: a call of a method that is
// not idempotent, which failed once it reached the server, is not retried,
// but its failure speaks of the service's health as any other's does, and
// must count against its breaker.
func TestBreakerCountsFailuresOfCallsNotRetried(t *testing.T) {
	s := newServer(t, fail(codes.Unavailable))
	r := retrygrpc.New(fast, retrygrpc.BreakerPerTarget(breaker.Config{ConsecutiveFailures: 3, BreakDuration: time.Minute}))
	conn := dialWith(t, s, r)
	for n := range 3 {
		if _, err := invoke(t.Context(), conn, createMethod, "hi"); !errors.Is(err, retrygrpc.ErrNotIdempotent) {
			t.Fatalf("call %d = %v; want ErrNotIdempotent", n+1, err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := invoke(ctx, conn, createMethod, "hi"); !errors.Is(err, retry.ErrBreakerOpen) {
		t.Errorf("call after 3 failures = %v; want retry.ErrBreakerOpen", err)
	}
}
