package breaker

import (
	"errors"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// newExact returns a Breaker of cfg whose breaks are not spread: each lasts
// exactly its nominal length. It fails t if cfg is invalid.
func newExact(t testing.TB, cfg Config) *Breaker {
	t.Helper()
	b := New(cfg)
	if err := b.Err(); err != nil {
		t.Fatalf("New(%+v).Err() = %v", cfg, err)
	}
	b.rand = func(int64) int64 { return 0 }
	return b
}

// allow returns a Permit of b, failing t if b refuses.
func allow(t testing.TB, b *Breaker) Permit {
	t.Helper()
	p, err := b.Allow()
	if err != nil {
		t.Fatalf("%v: Allow() = %v; want a Permit", b, err)
	}
	return p
}

// refused returns the OpenError of b's Allow, failing t if b allows.
func refused(t testing.TB, b *Breaker) *OpenError {
	t.Helper()
	p, err := b.Allow()
	if err == nil {
		p.Cancel()
		t.Fatalf("%v: Allow() = a Permit; want ErrOpen", b)
	}
	oe, ok := errors.AsType[*OpenError](err)
	if !ok || !errors.Is(err, ErrOpen) {
		t.Fatalf("%v: Allow() = %v; want an *OpenError matching ErrOpen", b, err)
	}
	return oe
}

// succeed and fail make n attempts through b that succeed, or fail with
// class c.
func succeed(t testing.TB, b *Breaker, n int) {
	t.Helper()
	for range n {
		p := allow(t, b)
		p.Success()
	}
}

func fail(t testing.TB, b *Breaker, n int, c classify.Class) {
	t.Helper()
	for range n {
		p := allow(t, b)
		p.Failure(c, 0)
	}
}

func wantState(t testing.TB, b *Breaker, want observe.BreakerState) {
	t.Helper()
	if got := b.State(); got != want {
		t.Fatalf("%v: State() = %v; want %v", b, got, want)
	}
}

// trip opens a closed b with failures in a row (ConsecutiveFailures must
// be at most 20).
func trip(t testing.TB, b *Breaker) {
	t.Helper()
	for range 20 {
		if b.State() == observe.BreakerOpen {
			return
		}
		p := allow(t, b)
		p.Failure(classify.ServerError, 0)
	}
	wantState(t, b, observe.BreakerOpen)
}

var sec = time.Second
