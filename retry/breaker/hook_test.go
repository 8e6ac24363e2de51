package breaker

import (
	"context"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/hook"
)

// manualClock is a hook.Clock that moves only when told to.
type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

func (c *manualClock) Sleep(context.Context, time.Duration) bool {
	panic("a Breaker never sleeps")
}

// TestBreakerOnAHookedClockReadsNoRealTime pins the simulator's seam: a
// Breaker made from a Config that hook.BreakerClock changed reads its time
// from that clock alone, and its spread from the given source, so that a
// virtual clock that jumps a minute in no real time runs its breaks.
func TestBreakerOnAHookedClockReadsNoRealTime(t *testing.T) {
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // far from the real time, on purpose
	c := &manualClock{now: start}
	var draws []int64
	spread := func(n int64) int64 { draws = append(draws, n); return n - 1 }
	cfg := hook.BreakerClock(Config{ConsecutiveFailures: 1, BreakDuration: 4 * time.Second}, c, spread).(Config)
	b := New(cfg)
	if err := b.Err(); err != nil {
		t.Fatalf("New(hooked).Err() = %v", err)
	}

	p := allow(t, b)
	c.now = c.now.Add(time.Second)
	p.Failure(classify.ServerError, 0)
	// The break: 4s less the largest spread the source may give, 4s/4.
	wantBreak := 3 * time.Second
	if want := []int64{int64(time.Second) + 1}; len(draws) != 1 || draws[0] != want[0] {
		t.Errorf("the spread drew from n = %v; want %v", draws, want)
	}
	e := refused(t, b)
	if wantUntil := start.Add(time.Second + wantBreak); !e.Until.Equal(wantUntil) || e.Wait != wantBreak {
		t.Errorf("refusal at the opening: Until %v, Wait %v; want %v, %v", e.Until, e.Wait, wantUntil, wantBreak)
	}

	c.now = c.now.Add(wantBreak - time.Nanosecond)
	if e := refused(t, b); e.Wait != time.Nanosecond {
		t.Errorf("refusal a nanosecond before the break ends: Wait %v; want 1ns", e.Wait)
	}
	c.now = c.now.Add(time.Nanosecond)
	probe := allow(t, b)
	probe.Success()
	if got := b.State().String(); got != "closed" {
		t.Errorf("after a successful probe at the break's end on the hooked clock: %s; want closed", got)
	}
}
