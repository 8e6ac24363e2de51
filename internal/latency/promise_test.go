package latency

import (
	"testing"
	"time"
)

// "An observation costs a reading of the clock" (the package's doc): one
// reading per Observe, through Config.Now when it is set, whether the
// window moves on or not.
func TestObserveReadsTheClockOnce(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	reads := 0
	e, err := New(Config{Window: time.Second, Now: func() time.Time { reads++; return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		before := reads
		e.Observe(time.Millisecond)
		if got := reads - before; got != 1 {
			t.Fatalf("observation %d read the clock %d times; want 1", i, got)
		}
		now = now.Add(7 * time.Millisecond) // the window moves on, now and then
	}
}
