package retrygrpc_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

func ExampleBreakerPerTarget() {
	down := func(_ context.Context, n int) (*healthpb.HealthCheckResponse, error) {
		fmt.Printf("server: call %d: unavailable\n", n)
		return nil, status.Error(codes.Unavailable, "down")
	}
	logChanges := observe.Func(func(e observe.BreakerStateChange) {
		fmt.Printf("breaker %s: %v -> %v (%v)\n", e.Breaker, e.From, e.To, e.Reason)
	})
	r := retrygrpc.New(readOnly,
		// Three failures in a row open a target's breaker (10 by default).
		retrygrpc.BreakerPerTarget(breaker.Config{ConsecutiveFailures: 3, Subscribers: []observe.Subscriber{logChanges}}),
		// One attempt per call, so that each call shows; a deadline too
		// short to wait for the breaker's probe, so that a refused call
		// fails at once.
		retrygrpc.Retry(retry.MaxAttempts(1), retry.Deadline(time.Second)),
	)
	conn, stop := serveInMemory(&health{check: down}, r.DialOptions()...)
	defer stop()

	client := healthpb.NewHealthClient(conn)
	for range 4 { // the fourth call does not reach the server
		_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{})
		fmt.Println(status.Code(err), errors.Is(err, retry.ErrBreakerOpen))
	}
	// Output:
	// server: call 1: unavailable
	// Unavailable false
	// server: call 2: unavailable
	// Unavailable false
	// server: call 3: unavailable
	// breaker passthrough:///in-memory: closed -> open (consecutive_failures)
	// Unavailable false
	// Unavailable true
}
