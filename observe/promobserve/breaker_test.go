package promobserve_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// TestBreakerStateGauge follows a real breaker through its states.
func TestBreakerStateGauge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, reg := newSubscriber(t)
		b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 2, Subscribers: []observe.Subscriber{s}})
		gauge := func() []string {
			var got []string
			for _, l := range samples(t, reg) {
				if len(l) > len("reflexio_breaker_state{") && l[:len("reflexio_breaker_state{")] == "reflexio_breaker_state{" {
					got = append(got, l)
				}
			}
			return got
		}
		if got := gauge(); got != nil {
			t.Errorf("gauge of a breaker that never changed = %v; want none", got)
		}
		for range 2 {
			p, _ := b.Allow()
			p.Failure(classify.ServerError, 0)
		}
		if diff := cmp.Diff([]string{`reflexio_breaker_state{breaker="users"} 1`}, gauge()); diff != "" {
			t.Errorf("open (-want +got):\n%s", diff)
		}
		if _, err := b.Allow(); err == nil {
			t.Fatal("Allow() of an open breaker = nil")
		}
		s.Handle(t.Context(), observe.BreakerRejected{Operation: "users.get", Attempt: 1, Breaker: "users", Wait: time.Second})
		time.Sleep(5 * time.Second)
		p, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{`reflexio_breaker_state{breaker="users"} 2`}, gauge()); diff != "" {
			t.Errorf("half-open (-want +got):\n%s", diff)
		}
		p.Success()
		want := []string{
			`reflexio_breaker_rejections_total{breaker="users",operation="users.get"} 1`,
			`reflexio_breaker_state{breaker="users"} 0`,
			`reflexio_breaker_transitions_total{breaker="users",reason="break_elapsed",to="half_open"} 1`,
			`reflexio_breaker_transitions_total{breaker="users",reason="consecutive_failures",to="open"} 1`,
			`reflexio_breaker_transitions_total{breaker="users",reason="probes_succeeded",to="closed"} 1`,
		}
		if diff := cmp.Diff(want, samples(t, reg)); diff != "" {
			t.Errorf("samples (-want +got):\n%s", diff)
		}
	})
}
