package breaker_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// A Breaker used on its own, around calls to a downstream: Allow before
// each attempt, and one of Success, Failure or Cancel after it.
func Example() {
	b := breaker.New(breaker.Config{
		Name:                "users",
		ConsecutiveFailures: 3,
		Subscribers: []observe.Subscriber{observe.Func(func(e observe.BreakerStateChange) {
			fmt.Printf("%s: %v -> %v (%v)\n", e.Breaker, e.From, e.To, e.Reason)
		})},
	})
	call := func(err error, c classify.Class) {
		p, aerr := b.Allow()
		if oe, ok := errors.AsType[*breaker.OpenError](aerr); ok {
			// The first break lasts from 3.75s to 5s, spread at random.
			fmt.Println("refused:", errors.Is(aerr, breaker.ErrOpen), oe.Wait <= 5*time.Second)
			return
		}
		if err != nil {
			hint, _ := classify.RetryAfter(err) // the server's, if it gave one
			p.Failure(c, hint)
			return
		}
		p.Success()
	}
	errDown := errors.New("connection refused")
	call(nil, 0)
	call(errDown, classify.Transient)
	call(errors.New("no such user"), classify.Permanent) // the downstream answered: a success
	for range 3 {
		call(errDown, classify.Transient)
	}
	call(nil, 0)
	fmt.Println(b)
	// Output:
	// users: closed -> open (consecutive_failures)
	// refused: true true
	// Breaker("users": open)
}

// A loop that counts nanoseconds asks AllowClosed first, which the
// compiler inlines, and Allow only when the breaker is not closed.
func ExampleBreaker_AllowClosed() {
	b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 1})
	allow := func() (breaker.Permit, error) {
		if p, ok := b.AllowClosed(); ok {
			return p, nil
		}
		return b.Allow() // open or half-open: Allow decides
	}
	p, err := allow()
	fmt.Println(err)
	p.Failure(classify.ServerError, 0) // opens it
	_, err = allow()
	fmt.Println(errors.Is(err, breaker.ErrOpen))
	// Output:
	// <nil>
	// true
}
