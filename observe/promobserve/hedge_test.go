package promobserve_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/observe"
)

// TestHedges counts the hedges started, the rounds a hedge won (not those
// its round's first attempt won) and the losers cancelled.
func TestHedges(t *testing.T) {
	s, reg := newSubscriber(t)
	for _, e := range []observe.Event{
		observe.HedgeStarted{Operation: "users.get", Attempt: 2, InFlight: 2, Elapsed: 50 * time.Millisecond},
		observe.HedgeStarted{Operation: "users.get", Attempt: 3, InFlight: 3, Elapsed: 100 * time.Millisecond},
		observe.HedgeWon{Operation: "users.get", Attempt: 3, Hedge: true, Elapsed: 110 * time.Millisecond},
		observe.HedgeCancelled{Operation: "users.get", Attempt: 3, Losers: 2, Elapsed: 110 * time.Millisecond},
		observe.HedgeWon{Operation: "users.get", Attempt: 1, Hedge: false, Elapsed: 60 * time.Millisecond},
	} {
		s.Handle(t.Context(), e)
	}
	want := []string{
		`reflexio_retry_hedges_total{event="hedge_cancelled",operation="users.get"} 2`,
		`reflexio_retry_hedges_total{event="hedge_started",operation="users.get"} 2`,
		`reflexio_retry_hedges_total{event="hedge_won",operation="users.get"} 1`,
	}
	if diff := cmp.Diff(want, samples(t, reg)); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
}
