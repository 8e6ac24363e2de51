package retrygrpc_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// BenchmarkUnarySuccess measures what the Interceptor adds to a call that
// succeeds at once, over an invoker that does nothing.
func BenchmarkUnarySuccess(b *testing.B) {
	b.Run("Idempotent", func(b *testing.B) { benchmarkUnarySuccess(b, unaryMethod) })
	b.Run("NotIdempotent", func(b *testing.B) { benchmarkUnarySuccess(b, createMethod) })
	b.Run("IdempotentBreaker", func(b *testing.B) {
		benchmarkUnarySuccess(b, unaryMethod, retrygrpc.BreakerPerTarget(breaker.Config{}))
	})
	// A hedged call that answers before the delay: no hedge starts.
	b.Run("HedgeNotFired", func(b *testing.B) {
		benchmarkUnarySuccess(b, unaryMethod, retrygrpc.Hedge(time.Hour, 2))
	})
	b.Run("HedgeAdaptiveNotFired", func(b *testing.B) {
		benchmarkUnarySuccess(b, unaryMethod, retrygrpc.HedgeAdaptive(retry.LatencyConfig{Floor: time.Hour, Cap: time.Hour}, 2))
	})
}

func benchmarkUnarySuccess(b *testing.B, method string, opts ...retrygrpc.Option) {
	r := retrygrpc.New(opts...)
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	req, reply := wrapperspb.String("hi"), new(wrapperspb.StringValue)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Unary(ctx, method, req, reply, nil, invoker); err != nil {
			b.Fatal(err)
		}
	}
}
