package retry_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// One downstream's failures open its own breaker, and no other's.
func TestBreakersOnePerKey(t *testing.T) {
	set := retry.NewBreakers(breaker.Config{ConsecutiveFailures: 2}, 10)
	down := func(context.Context) (int, error) { return 0, transient }
	retry.Do(t.Context(), down, retry.Breaker(set.For("a")), retry.MaxAttempts(2), retry.Backoff(backoff.Constant(0)))
	if got := set.For("a").State(); got != observe.BreakerOpen {
		t.Errorf("a: %v; want open", got)
	}
	if got := set.For("b").State(); got != observe.BreakerClosed {
		t.Errorf("b: %v; want closed", got)
	}
	if a, again := set.For("a"), set.For("a"); a != again {
		t.Error("For(a) made two Breakers")
	}
	if got := set.For("a").String(); got != `Breaker("a": open)` {
		t.Errorf("For(a) = %s; want it named after its key", got)
	}
	if set.Len() != 2 {
		t.Errorf("Len = %d; want 2", set.Len())
	}
}

// The set is bounded: the least recently used key is forgotten, and comes
// back closed.
func TestBreakersBounded(t *testing.T) {
	set := retry.NewBreakers(breaker.Config{}, 3)
	for i := range 10 {
		set.For(strconv.Itoa(i))
	}
	if set.Len() != 3 {
		t.Errorf("Len = %d; want 3", set.Len())
	}
	var zero retry.Breakers
	if b := zero.For("x"); b.Err() != nil || zero.Len() != 1 {
		t.Errorf("the zero Breakers: %v, Len %d; want a working Breaker", b.Err(), zero.Len())
	}
}

func TestBreakersInvalidConfig(t *testing.T) {
	set := retry.NewBreakers(breaker.Config{FailureRatio: -1}, 10)
	_, err := retry.Do(t.Context(), func(context.Context) (int, error) { return 1, nil }, retry.Breaker(set.For("a")))
	if !errors.Is(err, retry.ErrInvalidOption) || !errors.Is(err, breaker.ErrInvalidConfig) {
		t.Errorf("Do = %v; want ErrInvalidOption with breaker.ErrInvalidConfig", err)
	}
}

func TestBreakersLookupDoesNotAllocate(t *testing.T) {
	skipIfRace(t)
	set := retry.NewBreakers(breaker.Config{}, 10)
	set.For("a")
	if n := testing.AllocsPerRun(100, func() { set.For("a") }); n != 0 {
		t.Errorf("For of a kept key: %v allocs; want 0", n)
	}
}
