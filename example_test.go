package reflexio_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// User is what the users service returns.
type User struct {
	ID   int
	Name string
}

// StatusError is how an HTTP client might report a response that failed.
// The default classifier reads its StatusCode method: 503 is a ServerError,
// 429 a RateLimit, 404 Permanent.
type StatusError struct{ Code int }

func (e *StatusError) Error() string   { return fmt.Sprintf("status %d", e.Code) }
func (e *StatusError) StatusCode() int { return e.Code }

// flakyUsers stands in for a users service over the network: it fails with
// each of its failures in turn, then serves.
type flakyUsers struct {
	failures []error
	calls    int
}

func (s *flakyUsers) Get(ctx context.Context, id int) (User, error) {
	s.calls++
	if len(s.failures) > 0 {
		err := s.failures[0]
		s.failures = s.failures[1:]
		return User{}, err
	}
	return User{ID: id, Name: "Ada"}, nil
}

// Idempotent is how a service retries the calls to its users service that
// are safe to repeat: up to five attempts within 30 seconds, decorrelated
// jitter, a longer backoff when the server says it is overloaded, and
// retries bounded to a tenth of the traffic by a budget that every call of
// the bundle shares. In a service it lives in a package of its own, which
// every call site imports.
var Idempotent = retry.Options(
	retry.NewBudget(0.1, 10),
	retry.MaxAttempts(5),
	retry.Deadline(30*time.Second),
	retry.Backoff(backoff.DecorrelatedJitter(100*time.Millisecond, 5*time.Second)),
	retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(time.Second, 20*time.Second)),
)

// A typed retry with a bundle of options stated once (Idempotent),
// overridden at the call site, and a subscriber that prints each retry. The
// override of Backoff keeps this example from waiting.
func Example() {
	users := &flakyUsers{failures: []error{&StatusError{503}, &StatusError{502}}}
	printRetries := observe.Func(func(e observe.Retry) {
		fmt.Printf("attempt %d failed: %v (%v); retrying in %v\n", e.Attempt, e.Err, e.Class, e.Delay)
	})

	user, err := retry.Do(context.Background(),
		func(ctx context.Context) (User, error) { return users.Get(ctx, 42) },
		Idempotent,
		retry.Backoff(backoff.Constant(0)),
		retry.Name("users.get"),
		retry.Subscribe(printRetries),
	)
	fmt.Printf("%+v, err=%v, calls=%d\n", user, err, users.calls)
	// Output:
	// attempt 1 failed: status 503 (ServerError); retrying in 0s
	// attempt 2 failed: status 502 (ServerError); retrying in 0s
	// {ID:42 Name:Ada}, err=<nil>, calls=3
}

// Each class of error can back off in its own way. Here a dropped connection
// is retried at once, while a rate limit asks for a minute: more than the
// call's 10s deadline allows, so the call gives up at once instead of
// sleeping into its deadline.
func Example_perClassBackoff() {
	users := &flakyUsers{failures: []error{
		classify.MarkTransient(errors.New("connection reset")),
		&StatusError{429},
	}}
	printEvents := observe.Func(func(e observe.Event) {
		switch e := e.(type) {
		case observe.Retry:
			fmt.Printf("retry after %v: wait %v\n", e.Class, e.Delay)
		case observe.DeadlineExceeded:
			fmt.Printf("give up after %v: a wait of %v does not fit\n", e.Class, e.Delay)
		}
	})

	_, err := retry.Do(context.Background(),
		func(ctx context.Context) (User, error) { return users.Get(ctx, 42) },
		retry.Deadline(10*time.Second),
		retry.Backoff(backoff.Constant(0)),
		retry.BackoffFor(classify.RateLimit, backoff.Constant(time.Minute)),
		retry.Subscribe(printEvents),
	)
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrDeadline), errors.Is(err, context.DeadlineExceeded))
	// Output:
	// retry after Transient: wait 0s
	// give up after RateLimit: a wait of 1m0s does not fit
	// retry: deadline exceeded after 2 attempts: status 429
	// true true
}

// The error of a call that gave up says why, and keeps the last attempt's
// error for errors.Is and errors.As.
func Example_stopReasons() {
	describe := func(err error) string {
		var status *StatusError
		var rerr *retry.Error
		switch {
		case err == nil:
			return "ok"
		case errors.Is(err, retry.ErrPermanent) && errors.As(err, &status):
			return fmt.Sprintf("permanent: the server said %d", status.Code)
		case errors.Is(err, retry.ErrMaxAttempts) && errors.As(err, &rerr):
			return fmt.Sprintf("gave up after %d attempts, last: %v", rerr.Attempts, rerr.Last)
		case errors.Is(err, retry.ErrMaxUnknownAttempts):
			return "unknown error, not worth more tries: " + err.Error()
		case errors.Is(err, retry.ErrCancelled):
			return "cancelled: " + err.Error()
		}
		return "other: " + err.Error()
	}
	call := func(ctx context.Context, failures ...error) error {
		users := &flakyUsers{failures: failures}
		return retry.Run(ctx, func(ctx context.Context) error {
			_, err := users.Get(ctx, 7)
			return err
		}, retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)))
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	fmt.Println(describe(call(context.Background(), &StatusError{503})))
	fmt.Println(describe(call(context.Background(), &StatusError{404})))
	fmt.Println(describe(call(context.Background(), &StatusError{503}, &StatusError{503}, &StatusError{504})))
	fmt.Println(describe(call(context.Background(), errors.New("what?"), errors.New("what?"))))
	fmt.Println(describe(call(cancelled)))
	// Output:
	// ok
	// permanent: the server said 404
	// gave up after 3 attempts, last: status 504
	// unknown error, not worth more tries: retry: max unknown attempts reached after 2 attempts: what?
	// cancelled: retry: cancelled before the first attempt: context canceled
}
