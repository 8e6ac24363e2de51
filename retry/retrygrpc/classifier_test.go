package retrygrpc_test

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

func TestCodeClass(t *testing.T) {
	for _, c := range allCodes {
		if got := retrygrpc.CodeClass(c); got != wantClass[c] {
			t.Errorf("CodeClass(%v) = %v; want %v", c, got, wantClass[c])
		}
	}
	for _, c := range []codes.Code{codes.OK, 17, 99} {
		if got := retrygrpc.CodeClass(c); got != classify.Unknown {
			t.Errorf("CodeClass(%v) = %v; want Unknown", c, got)
		}
	}
}

// nilStatus is an error whose GRPCStatus is nil, which gRPC reads as OK.
type nilStatus struct{}

func (nilStatus) Error() string              { return "nil status" }
func (nilStatus) GRPCStatus() *status.Status { return nil }

func TestClassifier(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "down")
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"a status error", unavailable, classify.Transient},
		{"a wrapped status error", fmt.Errorf("get user: %w", status.Error(codes.Aborted, "conflict")), classify.Concurrency},
		{"a marker beats the code", classify.MarkPermanent(unavailable), classify.Permanent},
		{"a marker under a wrapper beats the code", fmt.Errorf("get: %w", classify.MarkRateLimit(unavailable, time.Second)), classify.RateLimit},
		{"a hint keeps the code's class", classify.WithRetryAfter(unavailable, time.Second), classify.Transient},
		{"an unknown marker is not trusted", classify.Mark(unavailable, 42), classify.Unknown},
		{"a loop's error is permanent", &retry.Error{Reason: retry.ErrMaxAttempts, Attempts: 3, Last: unavailable}, classify.Permanent},
		{"no status: no opinion", refused, classify.Unknown},
		{"a nil status: no opinion", nilStatus{}, classify.Unknown},
		{"a status with code OK: no opinion", fmt.Errorf("odd: %w", status.New(codes.OK, "").Err()), classify.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retrygrpc.Classifier().Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}

	// Chained before the default, which knows the rest.
	cl := classify.Chain(retrygrpc.Classifier(), classify.Default())
	if got := cl.Classify(refused); got != classify.Transient {
		t.Errorf("Chain(Classifier(), Default()).Classify(%v) = %v; want Transient", refused, got)
	}
	if got := cl.Classify(errors.New("mystery")); got != classify.Unknown {
		t.Errorf("Chain(Classifier(), Default()).Classify(mystery) = %v; want Unknown", got)
	}
}
