package retry_test

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

// APIError is a client's error type. Its StatusCode method is all the
// default classifier needs to classify it.
type APIError struct{ Code int }

func (e *APIError) Error() string   { return fmt.Sprintf("api: status %d", e.Code) }
func (e *APIError) StatusCode() int { return e.Code }

// The examples wait zero between attempts, so that they run at once; real
// code keeps the default jittered backoff.
var noWait = retry.Backoff(backoff.Constant(0))

func ExampleDo() {
	calls := 0
	getUser := func(ctx context.Context) (string, error) {
		calls++
		if calls < 3 {
			return "", &APIError{Code: 503} // ServerError: retried
		}
		return "ann", nil
	}

	name, err := retry.Do(context.Background(), getUser, retry.MaxAttempts(5), noWait)
	fmt.Println(name, err)
	fmt.Println("attempts:", calls)
	// Output:
	// ann <nil>
	// attempts: 3
}

func ExampleRun() {
	calls := 0
	deleteUser := func(ctx context.Context) error {
		calls++
		return &APIError{Code: 404} // Permanent: not retried
	}

	err := retry.Run(context.Background(), deleteUser, noWait)
	fmt.Println(err)
	fmt.Println("attempts:", calls)
	// Output:
	// retry: permanent error after 1 attempt: api: status 404
	// attempts: 1
}

func ExampleOptions() {
	// Stated once, in the package that talks to the dependency.
	idempotent := retry.Options(retry.MaxAttempts(5), noWait)
	fmt.Println(idempotent)

	calls := 0
	down := func(ctx context.Context) error {
		calls++
		return &APIError{Code: 503}
	}
	ctx := context.Background()

	err := retry.Run(ctx, down, idempotent)
	fmt.Println(calls, "attempts:", err)

	// Overridden at one call site: the last setting wins.
	calls = 0
	err = retry.Run(ctx, down, idempotent, retry.MaxAttempts(2))
	fmt.Println(calls, "attempts:", err)

	// The bundle itself is unchanged.
	calls = 0
	retry.Run(ctx, down, idempotent)
	fmt.Println(calls, "attempts")
	// Output:
	// Options(MaxAttempts(5), Backoff(backoff.Constant(0s)))
	// 5 attempts: retry: max attempts reached after 5 attempts: api: status 503
	// 2 attempts: retry: max attempts reached after 2 attempts: api: status 503
	// 5 attempts
}

func ExampleBackoffFor() {
	// Each strategy here waits zero and says when it is asked; real code
	// gives rate limits a longer jittered backoff:
	//
	//	retry.BackoffFor(classify.RateLimit, backoff.DecorrelatedJitter(time.Second, time.Minute))
	strategy := func(name string) backoff.Strategy {
		return backoff.Func(func(in backoff.Input) time.Duration {
			fmt.Printf("attempt %d failed with %v: %s strategy\n", in.Attempt, in.Class, name)
			return 0
		})
	}
	responses := []error{&APIError{Code: 503}, &APIError{Code: 429}, &APIError{Code: 503}, nil}
	calls := 0
	op := func(ctx context.Context) error {
		calls++
		return responses[calls-1]
	}

	err := retry.Run(context.Background(), op,
		retry.Backoff(strategy("default")),
		retry.BackoffFor(classify.RateLimit, strategy("rate-limit")),
	)
	fmt.Println(err, "after", calls, "attempts")
	// Output:
	// attempt 1 failed with ServerError: default strategy
	// attempt 2 failed with RateLimit: rate-limit strategy
	// attempt 3 failed with ServerError: default strategy
	// <nil> after 4 attempts
}

func ExampleError() {
	describe := func(err error) {
		var apiErr *APIError
		var retryErr *retry.Error
		switch {
		case errors.Is(err, retry.ErrPermanent) && errors.As(err, &apiErr):
			fmt.Println("permanent: the API said", apiErr.Code)
		case errors.Is(err, retry.ErrMaxAttempts) && errors.As(err, &retryErr):
			fmt.Println("gave up after", retryErr.Attempts, "attempts; last error:", retryErr.Last)
		case errors.Is(err, retry.ErrCancelled) && errors.As(err, &retryErr):
			fmt.Println("cancelled after", retryErr.Attempts, "attempts:", retryErr.Cause)
		}
	}
	status := func(code int) func(context.Context) error {
		return func(context.Context) error { return &APIError{Code: code} }
	}

	ctx := context.Background()
	describe(retry.Run(ctx, status(404), noWait))
	describe(retry.Run(ctx, status(503), noWait, retry.MaxAttempts(3)))

	stopped, stop := context.WithCancelCause(ctx)
	stop(errors.New("shutting down"))
	describe(retry.Run(stopped, status(503), noWait))
	// Output:
	// permanent: the API said 404
	// gave up after 3 attempts; last error: api: status 503
	// cancelled after 0 attempts: shutting down
}

func ExampleSubscribe() {
	logger := observe.Func(func(e observe.Event) {
		switch e := e.(type) {
		case observe.Retry:
			fmt.Printf("%s: attempt %d failed (%v): %v; next in %v\n", e.Operation, e.Attempt, e.Class, e.Err, e.Delay)
		case observe.Success:
			fmt.Printf("%s: attempt %d succeeded\n", e.Operation, e.Attempt)
		default:
			fmt.Println(e.Kind())
		}
	})
	retries := 0
	counter := observe.Func(func(observe.Retry) { retries++ }) // takes Retry events only

	calls := 0
	op := func(ctx context.Context) error {
		calls++
		if calls < 3 {
			return classify.MarkTransient(errors.New("connection reset"))
		}
		return nil
	}
	err := retry.Run(context.Background(), op, retry.Name("users.get"), retry.Subscribe(logger, counter), noWait)
	fmt.Println(err, "after", retries, "retries")
	// Output:
	// users.get: attempt 1 failed (Transient): connection reset; next in 0s
	// users.get: attempt 2 failed (Transient): connection reset; next in 0s
	// users.get: attempt 3 succeeded
	// <nil> after 2 retries
}
