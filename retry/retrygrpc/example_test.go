package retrygrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// health is a gRPC health service whose n-th call, counting from 1,
// answers as check says. The examples run it in memory; real code dials
// a real server.
type health struct {
	healthpb.UnimplementedHealthServer
	calls atomic.Int32
	check func(ctx context.Context, n int) (*healthpb.HealthCheckResponse, error)
}

func (h *health) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	return h.check(ctx, int(h.calls.Add(1)))
}

// Watch sends what check says, once, and ends.
func (h *health) Watch(_ *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	resp, err := h.check(stream.Context(), int(h.calls.Add(1)))
	if err != nil {
		return err
	}
	return stream.Send(resp)
}

// serveInMemory runs srv on an in-memory listener and returns a client
// of it, dialled with opts, and a function that closes both.
func serveInMemory(srv healthpb.HealthServer, opts ...grpc.DialOption) (*grpc.ClientConn, func()) {
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, srv)
	go s.Serve(lis)
	opts = append(opts,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///in-memory", opts...)
	if err != nil {
		panic(err)
	}
	return conn, func() { conn.Close(); s.Stop() }
}

// startingUp fails its first two calls, as a server that is starting up.
func startingUp(_ context.Context, n int) (*healthpb.HealthCheckResponse, error) {
	if n <= 2 {
		fmt.Printf("server: call %d: unavailable\n", n)
		return nil, status.Error(codes.Unavailable, "starting up")
	}
	fmt.Printf("server: call %d: serving\n", n)
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// readOnly says that the methods of the health service may be called
// twice: they only read. health.proto does not declare them idempotent,
// so IsIdempotent alone would not retry a call that reached the server.
var readOnly = retrygrpc.Idempotent(func(method string) bool {
	return retrygrpc.IsIdempotent(method) || strings.HasPrefix(method, "/grpc.health.v1.Health/")
})

// The examples wait zero between attempts, so that they run at once; real
// code keeps the default jittered backoff.
var noWait = retry.Backoff(backoff.Constant(0))

func ExampleNew() {
	logRetries := observe.Func(func(e observe.Retry) {
		fmt.Printf("retry: %s attempt %d: %v (%v)\n", e.Operation, e.Attempt, e.Err, e.Class)
	})
	r := retrygrpc.New(readOnly, retrygrpc.Retry(retry.MaxAttempts(4), noWait, retry.Subscribe(logRetries)))
	conn, stop := serveInMemory(&health{check: startingUp}, r.DialOptions()...)
	defer stop()

	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
	// Output:
	// server: call 1: unavailable
	// retry: /grpc.health.v1.Health/Check attempt 1: rpc error: code = Unavailable desc = starting up (Transient)
	// server: call 2: unavailable
	// retry: /grpc.health.v1.Health/Check attempt 2: rpc error: code = Unavailable desc = starting up (Transient)
	// server: call 3: serving
	// SERVING
}

func ExampleInterceptor_Stream() {
	// A stream is retried until its first response: here the server fails
	// twice before it sends anything.
	r := retrygrpc.New(readOnly, retrygrpc.Retry(noWait))
	conn, stop := serveInMemory(&health{check: startingUp}, r.DialOptions()...)
	defer stop()

	watch, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		resp, err := watch.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(resp.Status)
	}
	// Output:
	// server: call 1: unavailable
	// server: call 2: unavailable
	// server: call 3: serving
	// SERVING
}

func ExampleCallRetry() {
	down := func(_ context.Context, n int) (*healthpb.HealthCheckResponse, error) {
		fmt.Printf("server: call %d: internal error\n", n)
		return nil, status.Error(codes.Internal, "oops")
	}
	r := retrygrpc.New(readOnly, retrygrpc.Retry(noWait, retry.MaxAttempts(5)))
	conn, stop := serveInMemory(&health{check: down}, r.DialOptions()...)
	defer stop()
	client := healthpb.NewHealthClient(conn)

	// This caller is in a hurry: two attempts at most.
	_, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}, retrygrpc.CallRetry(retry.MaxAttempts(2)))
	fmt.Println(status.Code(err), errors.Is(err, retry.ErrMaxAttempts))
	// Output:
	// server: call 1: internal error
	// server: call 2: internal error
	// Internal true
}

func ExampleIdempotent() {
	// The server acts on each call (it counts it), then fails.
	actsThenFails := func(_ context.Context, n int) (*healthpb.HealthCheckResponse, error) {
		fmt.Printf("server: call %d: acted, then failed\n", n)
		return nil, status.Error(codes.Internal, "oops")
	}
	conn, stop := serveInMemory(&health{check: actsThenFails}, retrygrpc.New(retrygrpc.Retry(noWait, retry.MaxAttempts(3))).DialOptions()...)
	defer stop()

	// health.proto does not declare Check idempotent: a failure after the
	// call reached the server is not retried.
	_, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err), errors.Is(err, retrygrpc.ErrNotIdempotent))

	// With a rule that says it is, it is retried.
	conn2, stop2 := serveInMemory(&health{check: actsThenFails}, retrygrpc.New(readOnly, retrygrpc.Retry(noWait, retry.MaxAttempts(3))).DialOptions()...)
	defer stop2()
	_, err = healthpb.NewHealthClient(conn2).Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err), errors.Is(err, retry.ErrMaxAttempts))
	// Output:
	// server: call 1: acted, then failed
	// Internal true
	// server: call 1: acted, then failed
	// server: call 2: acted, then failed
	// server: call 3: acted, then failed
	// Internal true
}

func ExampleCallIdempotent() {
	failsOnce := func(_ context.Context, n int) (*healthpb.HealthCheckResponse, error) {
		if n == 1 {
			fmt.Printf("server: call %d: failed\n", n)
			return nil, status.Error(codes.Unavailable, "restarting")
		}
		fmt.Printf("server: call %d: serving\n", n)
		return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
	}
	r := retrygrpc.New(retrygrpc.Retry(noWait))
	conn, stop := serveInMemory(&health{check: failsOnce}, r.DialOptions()...)
	defer stop()

	// This call is safe to repeat, whatever the rule says of its method.
	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}, retrygrpc.CallIdempotent(true))
	fmt.Println(resp.GetStatus(), err)
	// Output:
	// server: call 1: failed
	// server: call 2: serving
	// SERVING <nil>
}

func ExampleIsIdempotent() {
	// IsIdempotent reads the idempotency_level of the method in its .proto
	// file, which health.proto does not set.
	fmt.Println(retrygrpc.IsIdempotent("/grpc.health.v1.Health/Check"))
	fmt.Println(retrygrpc.IsIdempotent("not a method"))
	// Output:
	// false
	// false
}

func ExampleErrPushback() {
	// The server is overloaded, and says in its trailer not to retry.
	overloaded := func(ctx context.Context, n int) (*healthpb.HealthCheckResponse, error) {
		fmt.Printf("server: call %d: overloaded, do not retry\n", n)
		grpc.SetTrailer(ctx, metadata.Pairs("grpc-retry-pushback-ms", "-1"))
		return nil, status.Error(codes.ResourceExhausted, "overloaded")
	}
	r := retrygrpc.New(retrygrpc.Retry(noWait))
	conn, stop := serveInMemory(&health{check: overloaded}, r.DialOptions()...)
	defer stop()

	_, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(err)
	fmt.Println(status.Code(err), errors.Is(err, retrygrpc.ErrPushback))
	// Output:
	// server: call 1: overloaded, do not retry
	// retry: permanent error after 1 attempt: rpc error: code = ResourceExhausted desc = overloaded (not retried: grpc-retry-pushback-ms "-1")
	// ResourceExhausted true
}

func ExampleClassifier() {
	// Code that calls retry.Do itself around a gRPC client chains the
	// classifier before the default.
	classifier := retry.Classifier(classify.Chain(retrygrpc.Classifier(), classify.Default()))
	logRetries := observe.Func(func(e observe.Retry) { fmt.Printf("retry: %v (%v)\n", e.Err, e.Class) })

	calls := 0
	v, err := retry.Do(context.Background(), func(ctx context.Context) (string, error) {
		calls++
		switch calls {
		case 1:
			return "", status.Error(codes.Aborted, "transaction conflict")
		case 2:
			return "", status.Error(codes.ResourceExhausted, "quota")
		}
		return "done", nil
	}, classifier, noWait, retry.Subscribe(logRetries))
	fmt.Println(v, err)
	// Output:
	// retry: rpc error: code = Aborted desc = transaction conflict (Concurrency)
	// retry: rpc error: code = ResourceExhausted desc = quota (RateLimit)
	// done <nil>
}

func ExampleCodeClass() {
	for _, c := range []codes.Code{codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.Internal, codes.NotFound} {
		fmt.Printf("%-17v %v\n", c, retrygrpc.CodeClass(c))
	}
	// Output:
	// Unavailable       Transient
	// ResourceExhausted RateLimit
	// Aborted           Concurrency
	// Internal          ServerError
	// NotFound          Permanent
}
