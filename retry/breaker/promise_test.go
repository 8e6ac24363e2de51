package breaker

import (
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/internal/hook"
)

// countingClock is a manualClock that counts its readings.
type countingClock struct {
	manualClock
	reads int
}

func (c *countingClock) Now() time.Time { c.reads++; return c.manualClock.Now() }

// The success path of a closed breaker "writes nothing else, and reads the
// clock only for" the snapshots of the window, one every tickEvery
// successes of a stripe (window.go): n successes on one goroutine read it
// about n/tickEvery times, never once per call. Asking reads it never.
func TestClosedSuccessesReadTheClockOnlyForSnapshots(t *testing.T) {
	c := &countingClock{manualClock: manualClock{now: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	b := New(hook.BreakerClock(Config{}, c, func(n int64) int64 { return 0 }).(Config))
	before := c.reads
	for range 100 {
		if _, ok := b.AllowClosed(); !ok {
			t.Fatal("not closed")
		}
		allow(t, b)
	}
	if got := c.reads - before; got != 0 {
		t.Errorf("100 Allow and AllowClosed of a closed breaker read the clock %d times; want 0", got)
	}
	const n = 64 * tickEvery
	before = c.reads
	for range n {
		p := allow(t, b)
		p.Success()
	}
	// The goroutine's stripe may change when its stack moves: the
	// successes of a stripe may cross one more multiple of tickEvery than
	// their number is worth.
	if got, most := c.reads-before, n/tickEvery+len(b.stripes); got == 0 || got > most {
		t.Errorf("%d successes of a closed breaker read the clock %d times; want between 1 and %d: once for each %d successes of a stripe", n, got, most, tickEvery)
	}
}
