package observe_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// The examples hand events to subscribers by calling Handle, as the retry
// loop does.

func ExampleFunc() {
	// One subscriber may serve many concurrent calls: count atomically.
	var retries atomic.Int64
	s := observe.Func(func(e observe.Retry) {
		retries.Add(1)
		fmt.Printf("%s: attempt %d failed (%v), next in %v\n", e.Operation, e.Attempt, e.Err, e.Delay)
	})
	fmt.Println("takes:", observe.KindsOf(s))

	ctx := context.Background()
	errReset := errors.New("connection reset")
	s.Handle(ctx, observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: 250 * time.Millisecond})
	s.Handle(ctx, observe.Retry{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Delay: 600 * time.Millisecond})
	s.Handle(ctx, observe.Success{Operation: "users.get", Attempt: 3}) // not a Retry: ignored
	fmt.Println("retries:", retries.Load())
	// Output:
	// takes: retry
	// users.get: attempt 1 failed (connection reset), next in 250ms
	// users.get: attempt 2 failed (connection reset), next in 600ms
	// retries: 2
}

func ExampleMulti() {
	var retries atomic.Int64
	count := observe.Func(func(observe.Retry) { retries.Add(1) })
	alert := observe.Func(func(e observe.PermanentFailure) {
		fmt.Printf("alert: %s failed for good: %v\n", e.Operation, e.Err)
	})

	// One Subscriber to hand around; it takes what its members take.
	s := observe.Multi(count, alert)
	fmt.Println("takes:", observe.KindsOf(s))

	ctx := context.Background()
	s.Handle(ctx, observe.Retry{Operation: "billing.charge", Attempt: 1, Class: classify.ServerError})
	s.Handle(ctx, observe.PermanentFailure{Operation: "billing.charge", Attempt: 2, Class: classify.Permanent, Err: errors.New("card declined")})
	fmt.Println("retries:", retries.Load())
	// Output:
	// takes: retry|permanent_failure
	// alert: billing.charge failed for good: card declined
	// retries: 1
}

func ExampleRecorder() {
	var rec observe.Recorder // subscribe it with retry.Subscribe(&rec)

	ctx := context.Background()
	errTimeout := errors.New("i/o timeout")
	rec.Handle(ctx, observe.Retry{Operation: "orders.list", Attempt: 1, Class: classify.Transient, Err: errTimeout, Delay: time.Second})
	rec.Handle(ctx, observe.Retry{Operation: "orders.list", Attempt: 2, Class: classify.Transient, Err: errTimeout, Delay: 2 * time.Second, Elapsed: time.Second})
	rec.Handle(ctx, observe.Success{Operation: "orders.list", Attempt: 3, Elapsed: 3 * time.Second})

	for _, e := range rec.Events() {
		fmt.Printf("%v %+v\n", e.Kind(), e)
	}
	fmt.Println("retries:", rec.Count(observe.KindRetry))
	// Output:
	// retry {Operation:orders.list Attempt:1 Class:Transient Err:i/o timeout Rejected:false Delay:1s RetryAfter:0s Elapsed:0s}
	// retry {Operation:orders.list Attempt:2 Class:Transient Err:i/o timeout Rejected:false Delay:2s RetryAfter:0s Elapsed:1s}
	// success {Operation:orders.list Attempt:3 Elapsed:3s}
	// retries: 2
}

func ExampleSlog() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		// Remove the time, so that the output is the same on every run.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	s := observe.Slog(logger.With("service", "checkout"))

	ctx := context.Background()
	errBusy := errors.New("503 service unavailable")
	s.Handle(ctx, observe.Retry{Operation: "stock.reserve", Attempt: 1, Class: classify.ServerError, Err: errBusy, Delay: 300 * time.Millisecond, Elapsed: 20 * time.Millisecond})
	s.Handle(ctx, observe.Success{Operation: "stock.reserve", Attempt: 2, Elapsed: 340 * time.Millisecond})
	s.Handle(ctx, observe.MaxAttemptsExceeded{Operation: "stock.reserve", Attempt: 6, Class: classify.ServerError, Err: errBusy, Elapsed: 12 * time.Second})
	// Output:
	// level=INFO msg=retry service=checkout op=stock.reserve attempt=1 class=ServerError err="503 service unavailable" delay=300ms elapsed=20ms
	// level=DEBUG msg=success service=checkout op=stock.reserve attempt=2 elapsed=340ms
	// level=WARN msg=max_attempts_exceeded service=checkout op=stock.reserve attempt=6 class=ServerError err="503 service unavailable" elapsed=12s
}

func ExampleKind_String() {
	// Kinds are stable, low-cardinality labels for metrics.
	failures := map[string]int{}
	for _, e := range []observe.Event{
		observe.MaxAttemptsExceeded{},
		observe.DeadlineExceeded{},
		observe.MaxAttemptsExceeded{},
	} {
		failures[e.Kind().String()]++
	}
	fmt.Println(failures)
	fmt.Println(observe.KindMaxUnknownAttemptsExceeded, observe.KindCancelled)
	// Output:
	// map[deadline_exceeded:1 max_attempts_exceeded:2]
	// max_unknown_attempts_exceeded cancelled
}

// retryCounter counts retries by class. It takes only Retry
// events, so calls it watches build no other event for it.
type retryCounter struct {
	n [classify.NumClasses]atomic.Int64
}

func (c *retryCounter) Handle(_ context.Context, e observe.Event) {
	switch e := e.(type) {
	case observe.Retry:
		c.n[e.Class].Add(1)
	default:
		// Event types may be added: ignore the others.
	}
}

func (c *retryCounter) Kinds() observe.Set { return observe.SetOf(observe.KindRetry) }

func ExampleSelective() {
	c := new(retryCounter)
	fmt.Println("takes:", observe.KindsOf(c))

	ctx := context.Background()
	c.Handle(ctx, observe.Retry{Class: classify.RateLimit})
	c.Handle(ctx, observe.Retry{Class: classify.Transient})
	c.Handle(ctx, observe.Retry{Class: classify.RateLimit})
	fmt.Println("rate limited:", c.n[classify.RateLimit].Load(), "transient:", c.n[classify.Transient].Load())
	// Output:
	// takes: retry
	// rate limited: 2 transient: 1
}

func ExampleValidate() {
	var rec *observe.Recorder // a pointer never set
	fmt.Println(observe.Validate(rec))
	fmt.Println(observe.Validate(observe.Func[observe.Retry](nil)))
	fmt.Println(observe.Validate(observe.Multi(rec, observe.Slog(nil)))) // Multi skips the nil *Recorder
	// Output:
	// observe: subscriber is a nil *observe.Recorder
	// observe.Func[observe.Retry]: function is nil
	// <nil>
}
