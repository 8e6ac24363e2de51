package retrygrpc_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// TestBreakerPerTargetDefaults follows a target's breaker of the default
// Config on the fake clock of a synctest bubble, through a real gRPC
// server and client on in-memory connections: ten Unavailable calls in a
// row open it; while it is open, the calls that cannot wait for its probe
// fail with Unavailable without reaching the server; after the break, a
// probe that fails opens it again; once the server is back, the next probe
// closes it.
func TestBreakerPerTargetDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &server{steps: []step{fail(codes.Unavailable)}}
		lis := bufconn.Listen(1 << 16)
		srv := grpc.NewServer()
		srv.RegisterService(&echoDesc, s)
		served := make(chan struct{})
		go func() {
			defer close(served)
			srv.Serve(lis)
		}()
		defer func() {
			srv.Stop()
			<-served
		}()
		changes := &observe.Recorder{}
		r := retrygrpc.New(
			retrygrpc.Retry(retry.MaxAttempts(1), retry.Deadline(time.Second)),
			retrygrpc.BreakerPerTarget(breaker.Config{Subscribers: []observe.Subscriber{changes}}))
		conn, err := grpc.NewClient("passthrough:///in-memory", append(r.DialOptions(),
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))...)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		call := func() error {
			_, err := unary(context.Background(), conn, "hi")
			return err
		}

		for n := range breaker.DefaultConsecutiveFailures {
			if err := call(); status.Code(err) != codes.Unavailable || errors.Is(err, retry.ErrBreakerOpen) {
				t.Fatalf("call %d = %v; want the server's Unavailable", n+1, err)
			}
		}
		if err := call(); !errors.Is(err, retry.ErrBreakerOpen) || status.Code(err) != codes.Unavailable {
			t.Fatalf("call, open = %v (code %v); want retry.ErrBreakerOpen, Unavailable", err, status.Code(err))
		}
		if _, err := serverStream(context.Background(), conn, "hi"); !errors.Is(err, retry.ErrBreakerOpen) {
			t.Fatalf("stream, open = %v; want retry.ErrBreakerOpen", err)
		}
		if got, want := s.calls.Load(), int32(breaker.DefaultConsecutiveFailures); got != want {
			t.Fatalf("%d calls reached the server; want %d: the refused ones do not", got, want)
		}

		time.Sleep(breaker.DefaultBreakDuration) // the break is over
		if err := call(); status.Code(err) != codes.Unavailable || errors.Is(err, retry.ErrBreakerOpen) {
			t.Fatalf("probe, down = %v; want the server's Unavailable", err)
		}
		time.Sleep(breaker.DefaultBreakDuration) // the second break is longer
		if err := call(); !errors.Is(err, retry.ErrBreakerOpen) {
			t.Fatalf("call, open again = %v; want retry.ErrBreakerOpen", err)
		}

		s.setSteps(ok())
		time.Sleep(breaker.DefaultBreakDuration)
		if err := call(); err != nil {
			t.Fatalf("probe, back = %v; want an answer", err)
		}
		if got, err := serverStream(context.Background(), conn, "hi"); err != nil || len(got) != 0 {
			t.Fatalf("stream, closed = %q, %v; want no messages, nil", got, err)
		}
		if got, want := s.calls.Load(), int32(breaker.DefaultConsecutiveFailures+3); got != want {
			t.Errorf("%d calls reached the server; want %d", got, want)
		}
		name := "passthrough:///in-memory"
		want := []string{
			name + ": closed -> open",
			name + ": open -> half_open",
			name + ": half_open -> open",
			name + ": open -> half_open",
			name + ": half_open -> closed",
		}
		if got := changesOf(changes); !slices.Equal(got, want) {
			t.Errorf("state changes:\n%q\nwant:\n%q", got, want)
		}
	})
}
