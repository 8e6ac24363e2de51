package retrygrpc_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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

// stateChanges is a subscriber of breakers that keeps their changes of
// state as "name: from -> to".
type stateChanges struct {
	mu   sync.Mutex
	list []string
}

func (s *stateChanges) Handle(_ context.Context, e observe.Event) {
	if c, ok := e.(observe.BreakerStateChange); ok {
		s.mu.Lock()
		s.list = append(s.list, fmt.Sprintf("%s: %v -> %v", c.Breaker, c.From, c.To))
		s.mu.Unlock()
	}
}

func (s *stateChanges) get() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}

// TestBreakerPerTargetOpensForItsTargetOnly runs against two real gRPC
// servers on loopback: three Unavailable calls in a row to one open its
// breaker, the other stays reachable; the unary calls and the streams that
// the open breaker refuses never reach the server, and fail with the code
// Unavailable; once the server is back, a call that waits for the probe
// gets through and closes the breaker. It asserts nothing about time: a
// call that finds the break over (the machine stalled) is a probe, which
// the server, still down, fails.
func TestBreakerPerTargetOpensForItsTargetOnly(t *testing.T) {
	checkLeaks(t)
	a, b := newServer(t, fail(codes.Unavailable)), newServer(t, ok())
	var changes stateChanges
	r := retrygrpc.New(fast, retrygrpc.Retry(retry.MaxAttempts(1)), retrygrpc.BreakerPerTarget(breaker.Config{
		ConsecutiveFailures: 3,
		BreakDuration:       200 * time.Millisecond,
		Subscribers:         []observe.Subscriber{&changes},
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

	got := changes.get()
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
