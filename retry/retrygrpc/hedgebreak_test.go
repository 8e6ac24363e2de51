package retrygrpc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// TestHedgebreakPushbackKeepsTheLastAttemptsMetadata: when every attempt
// of a hedged call fails, and the last with the server's pushback (a
// grpc-retry-pushback-ms trailer), the caller's trailer is still that
// attempt's, as it is without pushback and as gRPC gives it without
// hedging.
func TestHedgebreakPushbackKeepsTheLastAttemptsMetadata(t *testing.T) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		grpc.SetTrailer(ctx, metadata.Pairs("grpc-retry-pushback-ms", "1"))
		return status.Errorf(codes.Unavailable, "down #%d", n)
	})
	conn, _ := dialHedging(t, srv, retrygrpc.Hedge(0, 2), retrygrpc.Retry(retry.MaxAttempts(2)))
	for range 5 {
		var trailer metadata.MD
		_, err := unary(t.Context(), conn, "x", grpc.Trailer(&trailer))
		if !errors.Is(err, retry.ErrMaxAttempts) {
			t.Fatalf("Unary = %v; want retry.ErrMaxAttempts", err)
		}
		st := lastStatus(t, err)
		if want := "down #" + strings.Join(trailer.Get("call"), ","); st.Message() != want {
			t.Errorf("last status %q, trailer %v; want the trailer of the last attempt", st.Message(), trailer)
		}
	}
}
