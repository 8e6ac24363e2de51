package retrygrpc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// The interceptor retries; a retry.Do around a call through it must not
// retry again what the interceptor gave up on, whatever error the caller
// makes of the status: retry at one layer. Against a real server that
// always answers UNAVAILABLE, a call makes no more requests than the
// interceptor's attempt limit.
func TestOuterDoAroundTheInterceptorRetriesAtOneLayer(t *testing.T) {
	checkLeaks(t)
	const limit = 6 // retry.Do's default MaxAttempts, which the interceptor uses
	tests := []struct {
		name   string
		opts   []retrygrpc.Option
		reword func(error) error
	}{
		{"status error as it is", nil, func(err error) error { return err }},
		{"status rewritten as a plain error", nil, func(err error) error {
			return classify.MarkTransient(fmt.Errorf("echo: %v", status.Code(err)))
		}},
		{"status rewritten, no budget", []retrygrpc.Option{retrygrpc.NoBudget()}, func(err error) error {
			return classify.MarkTransient(errors.New("echo failed"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, fail(codes.Unavailable))
			conn := dial(t, s, append([]retrygrpc.Option{fast}, tt.opts...)...)
			outer := 0
			_, err := retry.Do(t.Context(), func(ctx context.Context) (string, error) {
				outer++
				v, err := unary(ctx, conn, "hi")
				if err != nil {
					return "", tt.reword(err)
				}
				return v, nil
			}, retry.Backoff(backoff.Constant(time.Millisecond)))
			if !errors.Is(err, retry.ErrPermanent) {
				t.Errorf("outer Do = %v; want ErrPermanent, the interceptor having given up", err)
			}
			if got := int(s.calls.Load()); got > limit || outer != 1 {
				t.Errorf("one outer call made %d outer attempts and %d requests; want 1 and at most %d", outer, got, limit)
			}
		})
	}
}
