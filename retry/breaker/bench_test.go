package breaker

import (
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

func TestClosedPathAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	b := New(Config{})
	got := testing.AllocsPerRun(1000, func() {
		p, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		p.Success()
	})
	if got != 0 {
		t.Errorf("Allow and Success of a closed breaker: %v allocations; want 0", got)
	}
	got = testing.AllocsPerRun(1000, func() {
		p, ok := b.AllowClosed()
		if !ok {
			t.Fatal("not closed")
		}
		p.Success()
	})
	if got != 0 {
		t.Errorf("AllowClosed and Success of a closed breaker: %v allocations; want 0", got)
	}
	got = testing.AllocsPerRun(1000, func() {
		p, _ := b.Allow()
		p.Failure(classify.Permanent, 0) // counts as a success
		q, _ := b.Allow()
		q.Cancel()
	})
	if got != 0 {
		t.Errorf("Failure of an uncounted class and Cancel: %v allocations; want 0", got)
	}
}

// BenchmarkBreaker times what a closed breaker adds to an attempt that
// succeeds: Allow and Success, on one goroutine and on all of them at once.
// The RunParallel one should scale with -cpu 1,2: no lock, no counter that
// every CPU writes.
func BenchmarkBreaker(b *testing.B) {
	b.Run("Success", func(b *testing.B) {
		br := New(Config{})
		b.ReportAllocs()
		for b.Loop() {
			p, err := br.Allow()
			if err != nil {
				b.Fatal(err)
			}
			p.Success()
		}
	})
	// AllowClosed, inlined, spares Allow's call.
	b.Run("SuccessClosed", func(b *testing.B) {
		br := New(Config{})
		b.ReportAllocs()
		for b.Loop() {
			p, ok := br.AllowClosed()
			if !ok {
				b.Fatal("not closed")
			}
			p.Success()
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		br := New(Config{})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := br.Allow()
				if err != nil {
					b.Error(err)
					return
				}
				p.Success()
			}
		})
	})
	b.Run("Failure", func(b *testing.B) {
		// A failure now and then among successes: the ratio stays low.
		br := New(Config{ConsecutiveFailures: -1})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			p, err := br.Allow()
			if err != nil {
				b.Fatal(err)
			}
			if i++; i%10 == 0 {
				p.Failure(classify.ServerError, 0)
			} else {
				p.Success()
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		br := New(Config{})
		for range DefaultConsecutiveFailures {
			p, _ := br.Allow()
			p.Failure(classify.ServerError, 0)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := br.Allow(); err == nil {
				b.Fatal("allowed")
			}
		}
	})
}
