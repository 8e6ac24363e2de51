package retrygrpc_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	gbackoff "google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// TestNotIdempotentMethodIsCalledOnce calls Create, a method that is not
// idempotent, on a server whose handler runs (its effect, counted) and
// then fails: whatever the failure, the server may have acted, and the
// call must not be made again.
func TestNotIdempotentMethodIsCalledOnce(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name string
		step step
		opts []retry.Option
		want codes.Code
	}{
		{"DeadlineExceeded of the attempt timeout", stalled(), []retry.Option{retry.AttemptTimeout(50 * time.Millisecond)}, codes.DeadlineExceeded},
		{"DeadlineExceeded of the server", fail(codes.DeadlineExceeded), nil, codes.DeadlineExceeded},
		{"Internal", fail(codes.Internal), nil, codes.Internal},
		{"Unknown", fail(codes.Unknown), nil, codes.Unknown},
		{"Unavailable of the server", fail(codes.Unavailable), nil, codes.Unavailable},
		{"ResourceExhausted without pushback", fail(codes.ResourceExhausted), nil, codes.ResourceExhausted},
		{"Aborted", fail(codes.Aborted), nil, codes.Aborted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.step, ok())
			conn := dial(t, s, fast, retrygrpc.Retry(tt.opts...))
			ready(t, conn) // the 50ms are the attempt's, not the connection's

			got, err := invoke(t.Context(), conn, createMethod, "order")

			if n := s.calls.Load(); n != 1 {
				t.Errorf("server calls (effects) = %d; want 1", n)
			}
			if err == nil || status.Code(err) != tt.want {
				t.Errorf("invoke(Create) = %q, %v (code %v); want an error with code %v", got, err, status.Code(err), tt.want)
			}
			if !errors.Is(err, retrygrpc.ErrNotIdempotent) {
				t.Errorf("invoke(Create) = %v; want retrygrpc.ErrNotIdempotent in it", err)
			}
			// One attempt in all, not a second that fails at once: the
			// loop keeps the error's own Permanent over a timeout.
			if e, ok := errors.AsType[*retry.Error](err); !ok || e.Attempts != 1 || !errors.Is(err, retry.ErrPermanent) {
				t.Errorf("invoke(Create) = %v; want a *retry.Error of ErrPermanent after 1 attempt", err)
			}
		})
	}
}

// TestNotIdempotentStreamIsOpenedOnce is TestNotIdempotentMethodIsCalledOnce
// for streams that fail before their first response: a stream that
// opened may have reached the server's handler.
func TestNotIdempotentStreamIsOpenedOnce(t *testing.T) {
	checkLeaks(t)
	for _, c := range []codes.Code{codes.Internal, codes.Unknown, codes.DeadlineExceeded, codes.Unavailable} {
		t.Run(c.String(), func(t *testing.T) {
			s := newServer(t, fail(c), msgs(1))
			conn := dial(t, s, fast)

			got, err := serverStreamOf(t.Context(), conn, createStreamDesc, createStreamMethod, "subscribe")

			if n := s.calls.Load(); n != 1 {
				t.Errorf("server calls (effects) = %d; want 1", n)
			}
			if len(got) != 0 || status.Code(err) != c || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
				t.Errorf("CreateStream = %v, %v (code %v); want no message, code %v, ErrNotIdempotent", got, err, status.Code(err), c)
			}
		})
	}
}

// TestNotIdempotentBidiIsOpenedOnce: a bidirectional stream that is not
// idempotent fails at its first request, which the server took.
func TestNotIdempotentBidiIsOpenedOnce(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Internal), ok())
	conn := dial(t, s, fast)
	cs, err := conn.NewStream(t.Context(), createBidiDesc, createBidiMethod)
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, cs, "a", "b")

	got, err := recvAll(cs)

	if n := s.calls.Load(); n != 1 {
		t.Errorf("server calls (effects) = %d; want 1", n)
	}
	if len(got) != 0 || status.Code(err) != codes.Internal || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
		t.Errorf("CreateBidi = %v, %v (code %v); want no message, Internal, ErrNotIdempotent", got, err, status.Code(err))
	}
}

// TestNotIdempotentStreamAndAttemptTimeout: the attempt's timeout ends a
// stream whose handler runs, and may have acted.
func TestNotIdempotentStreamAndAttemptTimeout(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, stalled(), msgs(1))
	conn := dial(t, s, fast, retrygrpc.Retry(retry.AttemptTimeout(50*time.Millisecond)))
	ready(t, conn) // the 50ms are the attempt's, not the connection's

	got, err := serverStreamOf(t.Context(), conn, createStreamDesc, createStreamMethod, "hi")

	if n := s.calls.Load(); n != 1 {
		t.Errorf("server calls (effects) = %d; want 1", n)
	}
	if len(got) != 0 || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
		t.Errorf("CreateStream = %v, %v; want no message, ErrNotIdempotent", got, err)
	}
}

// TestIdempotentMethodIsRetried fails a call of an idempotent method after
// its handler ran: it is retried as its class says, whether the method is
// declared idempotent in its descriptor, or a rule or a call option says
// it is.
func TestIdempotentMethodIsRetried(t *testing.T) {
	checkLeaks(t)
	createToo := retrygrpc.Idempotent(func(m string) bool { return m == createMethod || retrygrpc.IsIdempotent(m) })
	tests := []struct {
		name     string
		method   string
		opts     []retrygrpc.Option
		callOpts []grpc.CallOption
	}{
		{"idempotency_level IDEMPOTENT", unaryMethod, nil, nil},
		{"idempotency_level NO_SIDE_EFFECTS", getMethod, nil, nil},
		{"Idempotent", createMethod, []retrygrpc.Option{createToo}, nil},
		{"CallIdempotent(true)", createMethod, nil, []grpc.CallOption{retrygrpc.CallIdempotent(true)}},
		{"the last CallIdempotent counts", createMethod, nil, []grpc.CallOption{retrygrpc.CallIdempotent(false), retrygrpc.CallIdempotent(true)}},
	}
	for _, tt := range tests {
		for _, c := range []codes.Code{codes.DeadlineExceeded, codes.Internal, codes.Unknown, codes.Unavailable, codes.Aborted} {
			t.Run(tt.name+"/"+c.String(), func(t *testing.T) {
				s := newServer(t, fail(c), fail(c), ok())
				conn := dial(t, s, append(tt.opts, fast)...)

				got, err := invoke(t.Context(), conn, tt.method, "hi", tt.callOpts...)

				if err != nil || got != "hi #3" {
					t.Errorf("invoke(%s) = %q, %v; want %q, nil", tt.method, got, err, "hi #3")
				}
			})
		}
	}
}

// TestCallIdempotentFalse makes a call of an idempotent method that must
// not be repeated all the same.
func TestCallIdempotentFalse(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Internal), ok())
	conn := dial(t, s, fast)

	_, err := unary(t.Context(), conn, "hi", retrygrpc.CallIdempotent(true), retrygrpc.CallIdempotent(false))

	if n := s.calls.Load(); n != 1 || status.Code(err) != codes.Internal || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
		t.Errorf("unary(CallIdempotent(false)) = %v (code %v) after %d calls; want Internal, ErrNotIdempotent after 1", err, status.Code(err), n)
	}
}

// TestIdempotentRuleGetsTheFullMethod checks what the rule of Idempotent
// is given, and that it is asked once per call.
func TestIdempotentRuleGetsTheFullMethod(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Internal), ok())
	var mu sync.Mutex
	var asked []string
	rule := retrygrpc.Idempotent(func(m string) bool {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, m)
		return true
	})
	conn := dial(t, s, fast, rule)

	if _, err := invoke(t.Context(), conn, createMethod, "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := serverStreamOf(t.Context(), conn, createStreamDesc, createStreamMethod, "hi"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{createMethod, createStreamMethod}, asked); diff != "" {
		t.Errorf("the rule was asked (-want +got):\n%s", diff)
	}
}

// TestPushbackAllowsARetryOfANotIdempotentMethod: a server that answers
// with a grpc-retry-pushback-ms trailer that allows a retry asks for one,
// and says when; one that forbids it is not retried either way.
func TestPushbackAllowsARetryOfANotIdempotentMethod(t *testing.T) {
	checkLeaks(t)
	for _, v := range []string{"0", "5"} {
		t.Run(v, func(t *testing.T) {
			s := newServer(t, pushback(codes.ResourceExhausted, v), ok())
			conn := dial(t, s, fast)

			got, err := invoke(t.Context(), conn, createMethod, "order")

			if err != nil || got != "order #2" {
				t.Errorf("invoke(Create) = %q, %v; want %q, nil", got, err, "order #2")
			}
		})
	}
	t.Run("-1", func(t *testing.T) {
		s := newServer(t, pushback(codes.ResourceExhausted, "-1"), ok())
		conn := dial(t, s, fast)

		_, err := invoke(t.Context(), conn, createMethod, "order")

		if n := s.calls.Load(); n != 1 || !errors.Is(err, retrygrpc.ErrPushback) || status.Code(err) != codes.ResourceExhausted {
			t.Errorf("invoke(Create) = %v after %d calls; want ErrPushback, ResourceExhausted after 1", err, n)
		}
	})
}

// TestClassifierOfTheUserCannotRepeatANotIdempotentCall replaces the
// classifier by one that retries everything: a call that may have reached
// the server is made once all the same.
func TestClassifierOfTheUserCannotRepeatANotIdempotentCall(t *testing.T) {
	checkLeaks(t)
	everything := retry.Classifier(classify.Func(func(error) classify.Class { return classify.Transient }))
	s := newServer(t, fail(codes.Internal), ok())
	conn := dial(t, s, fast, retrygrpc.Retry(everything, retry.MaxAttempts(3)))

	_, err := invoke(t.Context(), conn, createMethod, "order")

	if n := s.calls.Load(); n != 1 || status.Code(err) != codes.Internal || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
		t.Errorf("invoke(Create) = %v (code %v) after %d calls; want Internal, ErrNotIdempotent after 1", err, status.Code(err), n)
	}
	s = newServer(t, fail(codes.Internal), msgs(1))
	conn = dial(t, s, fast, retrygrpc.Retry(everything, retry.MaxAttempts(3)))

	_, err = serverStreamOf(t.Context(), conn, createStreamDesc, createStreamMethod, "hi")

	if n := s.calls.Load(); n != 1 || status.Code(err) != codes.Internal || !errors.Is(err, retrygrpc.ErrNotIdempotent) {
		t.Errorf("CreateStream = %v (code %v) after %d calls; want Internal, ErrNotIdempotent after 1", err, status.Code(err), n)
	}
}

// refuser is a TCP proxy on loopback to a server, that closes the first
// connections it accepts at once, before a byte of HTTP/2 crosses them:
// a client's first attempts fail without a connection, so that their
// requests are never sent.
type refuser struct {
	lis    net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
}

func newRefuser(t *testing.T, target string, refuse int) *refuser {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &refuser{lis: lis}
	p.wg.Go(func() {
		for n := 1; ; n++ {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			if n <= refuse {
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			if !p.track(c, up) {
				return
			}
			p.wg.Go(func() { io.Copy(up, c); up.Close() })
			p.wg.Go(func() { io.Copy(c, up); c.Close() })
		}
	})
	t.Cleanup(p.close)
	return p
}

// track keeps conns to close them with the proxy, unless it is closed.
func (p *refuser) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, conns...)
	return true
}

func (p *refuser) close() {
	p.lis.Close()
	p.mu.Lock()
	p.closed = true
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestNotIdempotentCallThatNeverReachedTheServerIsRetried: an attempt
// that failed because no connection could be made never sent its
// request, and is retried, for unary calls and streams alike.
func TestNotIdempotentCallThatNeverReachedTheServerIsRetried(t *testing.T) {
	checkLeaks(t)
	for _, kind := range []string{"unary", "stream"} {
		t.Run(kind, func(t *testing.T) {
			s := newServer(t, ok())
			p := newRefuser(t, s.addr, 2)
			rec := &observe.Recorder{}
			r := retrygrpc.New(retrygrpc.NoBudget(), retrygrpc.Retry(retry.Subscribe(rec),
				retry.Backoff(backoff.Constant(5*time.Millisecond)), retry.MaxAttempts(400), retry.NoDeadline()))
			conn, err := grpc.NewClient("passthrough:///"+p.lis.Addr().String(), append(r.DialOptions(),
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithConnectParams(grpc.ConnectParams{Backoff: gbackoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1, MaxDelay: 10 * time.Millisecond}}),
			)...)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()

			if kind == "unary" {
				got, err := invoke(t.Context(), conn, createMethod, "order")
				if err != nil || got != "order #1" {
					t.Errorf("invoke(Create) = %q, %v; want %q, nil", got, err, "order #1")
				}
			} else {
				got, err := serverStreamOf(t.Context(), conn, createStreamDesc, createStreamMethod, "order")
				if err != nil || len(got) != 0 {
					t.Errorf("CreateStream = %v, %v; want no message, nil", got, err)
				}
			}
			if n := s.calls.Load(); n != 1 {
				t.Errorf("server calls = %d; want 1", n)
			}
			// The proxy's refusals failed attempts, which were retried.
			for _, e := range rec.Events() {
				if r, ok := e.(observe.Retry); ok && status.Code(r.Err) != codes.Unavailable {
					t.Errorf("retried %v; want only Unavailable", r.Err)
				}
			}
			if n := rec.Count(observe.KindRetry); n == 0 {
				t.Errorf("retries = 0; want the failures of the refused connections retried")
			}
		})
	}
}

func TestIsIdempotent(t *testing.T) {
	want := map[string]bool{
		unaryMethod: true, getMethod: true, serverMethod: true, clientMethod: true, bidiMethod: true,
		createMethod: false, createStreamMethod: false, createBidiMethod: false,
	}
	sd := echoFile.Services().Get(0)
	for i := range sd.Methods().Len() {
		m := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(i).Name())
		for range 2 { // looked up, then kept
			if got := retrygrpc.IsIdempotent(m); got != want[m] {
				t.Errorf("IsIdempotent(%q) = %v; want %v", m, got, want[m])
			}
		}
	}
	for _, m := range []string{"", "/", "//", service + "/Unary", "/" + service, "/" + service + "/", "/" + service + "/Missing",
		"/reflexio.retrygrpc.test.Missing/Unary", "/google.protobuf.StringValue/Unary", "/grpc.health.v1.Health/Check"} {
		if retrygrpc.IsIdempotent(m) {
			t.Errorf("IsIdempotent(%q) = true; want false", m)
		}
	}
}
