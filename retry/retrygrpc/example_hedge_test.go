package retrygrpc_test

import (
	"context"
	"fmt"
	"sync"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// An Interceptor with Hedge makes an idempotent call again when it has not
// answered after the delay (here 0, so that the example runs at once; real
// code waits about the 95th percentile of the server's latency, or uses
// HedgeAdaptive), returns the first reply and cancels the other attempt,
// waiting for it. The server here is slow for the first call that reaches
// it: it answers only once the client gives that call up.
func ExampleHedge() {
	var mu sync.Mutex
	calls := 0
	slowFirst := func(ctx context.Context, _ int) (*healthpb.HealthCheckResponse, error) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			<-ctx.Done()
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		fmt.Println("server: serving")
		return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
	}
	logHedges := retry.Subscribe(
		observe.Func(func(e observe.HedgeStarted) {
			fmt.Printf("hedge: attempt %d started, %d in flight\n", e.Attempt, e.InFlight)
		}),
		observe.Func(func(e observe.HedgeCancelled) {
			fmt.Printf("hedge: %d loser cancelled\n", e.Losers)
		}),
	)
	r := retrygrpc.New(readOnly, retrygrpc.Hedge(0, 2), retrygrpc.Retry(logHedges))
	conn, stop := serveInMemory(&health{check: slowFirst}, r.DialOptions()...)
	defer stop()

	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(resp.GetStatus(), status.Code(err))
	// Output:
	// server: serving
	// hedge: attempt 2 started, 2 in flight
	// hedge: 1 loser cancelled
	// SERVING OK
}
