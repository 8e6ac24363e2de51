package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

func TestPermitEndsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: 3})
		for range 2 {
			p := allow(t, b)
			p.Failure(classify.ServerError, 0)
			p.Failure(classify.ServerError, 0) // ended: nothing
			p.Success()
		}
		wantState(t, b, observe.BreakerClosed) // 2 failures, not 4
		if got := b.successes(); got != 0 {
			t.Errorf("successes = %d; want 0", got)
		}
		p := allow(t, b)
		p.Success()
		p.Success()
		p.Cancel()
		if got := b.successes(); got != 1 {
			t.Errorf("successes = %d; want 1", got)
		}
	})
}

// TestProbeCopyEndsNothing: a copy of a probe's Permit that ended frees
// no slot, not even the one that a later probe took.
func TestProbeCopyEndsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{HalfOpenProbes: 1, SuccessesToClose: 2})
		trip(t, b)
		time.Sleep(5 * sec)
		p := allow(t, b)
		q := p // a copy
		p.Cancel()
		r := allow(t, b) // the slot again
		q.Cancel()       // ended already: must not free r's slot
		q.Success()
		refused(t, b)
		if b.inflight != 1 {
			t.Errorf("probes in flight = %d; want 1", b.inflight)
		}
		r.Success()
		wantState(t, b, observe.BreakerHalfOpen) // 1 success of 2: q's counted nothing
	})
}

// TestStalePermitCountsNothing: a slow attempt allowed before the breaker
// changed state does not disturb the new state.
func TestStalePermitCountsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: 2})
		slow := make([]Permit, 5)
		for i := range slow {
			slow[i] = allow(t, b)
		}
		trip(t, b)
		for i := range 2 {
			slow[i].Success() // while open: nothing
		}
		time.Sleep(5 * sec)
		probe := allow(t, b)
		slow[2].Failure(classify.ServerError, 0) // while half-open: does not reopen
		slow[3].Failure(classify.RateLimit, time.Hour)
		wantState(t, b, observe.BreakerHalfOpen)
		probe.Success()
		wantState(t, b, observe.BreakerClosed)
		slow[4].Failure(classify.ServerError, 0) // of an earlier closed state
		fail(t, b, 1, classify.ServerError)
		wantState(t, b, observe.BreakerClosed) // one failure in a row, not two
		if got := b.successes(); got != 0 {
			t.Errorf("successes = %d; want 0: the slow ones came from earlier states", got)
		}
	})
}

func TestZeroPermitDoesNothing(t *testing.T) {
	var p Permit
	p.Success()
	p.Failure(classify.ServerError, time.Second)
	p.Cancel()
}

func TestCancelCountsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{ConsecutiveFailures: 1, MinCalls: 1})
		for range 100 {
			p := allow(t, b)
			p.Cancel()
		}
		wantState(t, b, observe.BreakerClosed)
		if got := b.successes(); got != 0 {
			t.Errorf("successes = %d; want 0", got)
		}
	})
}

// TestEveryProbeSlotEndsItsOwnProbe: with the most probes a Config allows,
// each Permit frees its own slot, the last one included, and a copy of an
// ended probe frees none, whichever slot it had.
func TestEveryProbeSlotEndsItsOwnProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newExact(t, Config{HalfOpenProbes: maxProbes, SuccessesToClose: maxProbes + 1})
		trip(t, b)
		time.Sleep(5 * sec)
		probes := make([]Permit, maxProbes)
		for i := range probes {
			probes[i] = allow(t, b)
		}
		refused(t, b)
		copies := append([]Permit(nil), probes...)
		for i := len(probes) - 1; i >= 0; i-- {
			probes[i].Cancel()
			if want := i; b.inflight != want {
				t.Fatalf("after cancelling probe %d: %d in flight; want %d", i, b.inflight, want)
			}
		}
		for i := range probes {
			probes[i] = allow(t, b)
		}
		for i := range copies {
			copies[i].Success() // ended: frees nothing, counts nothing
		}
		if b.inflight != maxProbes || b.probesOK != 0 {
			t.Errorf("after the copies ended: %d in flight, %d successes; want %d, 0", b.inflight, b.probesOK, maxProbes)
		}
		for i := range probes {
			probes[i].Success()
		}
		if b.inflight != 0 || b.probesOK != maxProbes {
			t.Errorf("after every probe succeeded: %d in flight, %d successes; want 0, %d", b.inflight, b.probesOK, maxProbes)
		}
		wantState(t, b, observe.BreakerHalfOpen) // one success short of closing
	})
}
