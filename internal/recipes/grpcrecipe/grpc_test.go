package grpcrecipe

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// Recipe: a gRPC client.

// Dial returns a connection to the server at target whose calls are
// retried, as retrygrpc classifies their status codes, within 4 attempts
// and 10 seconds, each attempt within 2 seconds, every retry logged.
func Dial(target string, logger *slog.Logger, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	r := retrygrpc.New(retrygrpc.Retry(
		retry.MaxAttempts(4),
		retry.Deadline(10*time.Second),
		retry.AttemptTimeout(2*time.Second),
		retry.Subscribe(observe.Slog(logger)),
	))
	return grpc.NewClient(target, append(r.DialOptions(), opts...)...)
}

var errNotServing = errors.New("not serving yet")

// WaitServing asks a server's health until it serves, for at most 30
// seconds: its own loop around calls of a client without retries, with the
// gRPC classifier.
func WaitServing(ctx context.Context, client healthpb.HealthClient) error {
	grpcErrors := classify.Chain(retrygrpc.Classifier(), classify.Default())
	return retry.Run(ctx, func(ctx context.Context) error {
		resp, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		if resp.Status != healthpb.HealthCheckResponse_SERVING {
			return classify.MarkTransient(errNotServing)
		}
		return nil
	},
		retry.Classifier(grpcErrors),
		retry.Backoff(backoff.EqualJitter(100*time.Millisecond, 2*time.Second)),
		retry.MaxAttempts(math.MaxInt),
		retry.Deadline(30*time.Second),
	)
}

// health is a gRPC health server whose n-th Check, from 1, answers as its
// script says.
type health struct {
	healthpb.UnimplementedHealthServer
	script func(n int) (healthpb.HealthCheckResponse_ServingStatus, error)

	mu    sync.Mutex
	calls int
}

func (h *health) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	h.mu.Lock()
	h.calls++
	n := h.calls
	h.mu.Unlock()
	s, err := h.script(n)
	if err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: s}, nil
}

func (h *health) called() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls
}

// failing returns a script that fails its first n calls with code, then
// serves.
func failing(n int, code codes.Code) func(int) (healthpb.HealthCheckResponse_ServingStatus, error) {
	return func(call int) (healthpb.HealthCheckResponse_ServingStatus, error) {
		if call <= n {
			return 0, status.Error(code, "call "+strconv.Itoa(call))
		}
		return healthpb.HealthCheckResponse_SERVING, nil
	}
}

// serve runs h on an in-memory listener until the test ends, and returns
// the dial options that reach it.
func serve(t *testing.T, h *health) []grpc.DialOption {
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, h)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return []grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}
}

// dial is Dial to h, with the connection closed when the test ends.
func dial(t *testing.T, h *health, logger *slog.Logger) healthpb.HealthClient {
	conn, err := Dial("passthrough:///health", logger, serve(t, h)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return healthpb.NewHealthClient(conn)
}

func TestDialRetriesUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		h := &health{script: failing(2, codes.Unavailable)}
		client := dial(t, h, slog.New(slog.NewTextHandler(&logs, nil)))

		// health.proto does not declare Check idempotent, and a failure
		// after a call reached the server is retried only for an
		// idempotent method: Check only reads, so this call says it is.
		resp, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{}, retrygrpc.CallIdempotent(true))
		if err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("Check = %v, %v; want SERVING", resp, err)
		}
		if h.called() != 3 {
			t.Errorf("%d calls; want 3", h.called())
		}
		if n := strings.Count(logs.String(), "msg=retry op=/grpc.health.v1.Health/Check"); n != 2 {
			t.Errorf("%d retries logged; want 2:\n%s", n, logs.String())
		}
	})
}

func TestDialGivesUpAfterFourAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &health{script: failing(100, codes.Unavailable)}
		client := dial(t, h, slog.New(slog.DiscardHandler))

		_, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{}, retrygrpc.CallIdempotent(true)) // it only reads
		if status.Code(err) != codes.Unavailable || !errors.Is(err, retry.ErrMaxAttempts) {
			t.Errorf("Check = %v; want Unavailable, after MaxAttempts", err)
		}
		if h.called() != 4 {
			t.Errorf("%d calls; want 4", h.called())
		}
	})
}

func TestDialDoesNotRetryInvalidArgument(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &health{script: failing(1, codes.InvalidArgument)}
		client := dial(t, h, slog.New(slog.DiscardHandler))

		_, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{})
		if status.Code(err) != codes.InvalidArgument || !errors.Is(err, retry.ErrPermanent) {
			t.Errorf("Check = %v; want InvalidArgument, Permanent", err)
		}
		if h.called() != 1 {
			t.Errorf("%d calls; want 1", h.called())
		}
	})
}

func TestACallThatMustNotBeRepeated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &health{script: failing(1, codes.Internal)}
		client := dial(t, h, slog.New(slog.DiscardHandler))
		ctx, req := t.Context(), &healthpb.HealthCheckRequest{}

		// Check is not declared idempotent: an attempt that reached the
		// server is not made again, as the server may have acted on it.
		_, err := client.Check(ctx, req)

		if status.Code(err) != codes.Internal || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
			t.Errorf("Check = %v; want Internal, not retried", err)
		}
		if h.called() != 1 {
			t.Errorf("%d calls; want 1", h.called())
		}
	})
}

func TestWaitServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &health{script: func(n int) (healthpb.HealthCheckResponse_ServingStatus, error) {
			switch n {
			case 1:
				return healthpb.HealthCheckResponse_NOT_SERVING, nil
			case 2:
				return 0, status.Error(codes.Unavailable, "restarting")
			case 3:
				return healthpb.HealthCheckResponse_NOT_SERVING, nil
			}
			return healthpb.HealthCheckResponse_SERVING, nil
		}}
		conn, err := grpc.NewClient("passthrough:///health", serve(t, h)...) // no retries of its own
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()

		if err := WaitServing(t.Context(), healthpb.NewHealthClient(conn)); err != nil {
			t.Errorf("WaitServing = %v", err)
		}
		if h.called() != 4 {
			t.Errorf("%d calls; want 4", h.called())
		}
	})
}

func TestWaitServingGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &health{script: func(int) (healthpb.HealthCheckResponse_ServingStatus, error) {
			return healthpb.HealthCheckResponse_NOT_SERVING, nil
		}}
		conn, err := grpc.NewClient("passthrough:///health", serve(t, h)...)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()

		start := time.Now()
		err = WaitServing(t.Context(), healthpb.NewHealthClient(conn))
		if !errors.Is(err, retry.ErrDeadline) || !errors.Is(err, errNotServing) {
			t.Errorf("WaitServing = %v; want the deadline, not serving", err)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("WaitServing took %v; want at most 30s", took)
		}
	})
}
