package retrygrpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// hedgeServer is a gRPC server of Echo's unary methods on loopback that
// answers each call with handle, given the call's number, counting from
// 1, in the order the calls arrive. Every answer carries the call's number
// in its header and trailer ("call"), and the reply "in #n". It counts the
// calls that end because the client gave them up.
type hedgeServer struct {
	addr    string
	handle  func(ctx context.Context, n int, in string) error
	calls   atomic.Int32
	givenUp atomic.Int32

	mu  sync.Mutex
	got map[string][]int // the calls of each request
}

func newHedgeServer(t *testing.T, handle func(ctx context.Context, n int, in string) error) *hedgeServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hedgeServer{addr: lis.Addr().String(), handle: handle, got: map[string][]int{}}
	srv := grpc.NewServer()
	srv.RegisterService(&hedgeDesc, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return s
}

var hedgeDesc = grpc.ServiceDesc{
	ServiceName: service, // Echo's, whose descriptor says which methods are idempotent
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Unary", Handler: hedgeHandler},
		{MethodName: "Get", Handler: hedgeHandler},
		{MethodName: "Create", Handler: hedgeHandler},
	},
}

func hedgeHandler(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	s := srv.(*hedgeServer)
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	n := int(s.calls.Add(1))
	s.got[in.Value] = append(s.got[in.Value], n)
	s.mu.Unlock()
	md := metadata.Pairs("call", strconv.Itoa(n))
	grpc.SetHeader(ctx, md)
	grpc.SetTrailer(ctx, md)
	if err := s.handle(ctx, n, in.Value); err != nil {
		if ctx.Err() != nil {
			s.givenUp.Add(1)
		}
		return nil, err
	}
	return wrapperspb.String(in.Value + " #" + strconv.Itoa(n)), nil
}

// callsOf returns the numbers of the calls that carried request in.
func (s *hedgeServer) callsOf(in string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.got[in]...)
}

// stall waits until ctx ends, and returns its status.
func stall(ctx context.Context) error {
	<-ctx.Done()
	return status.FromContextError(ctx.Err()).Err()
}

// waitGivenUp waits, a few seconds at most, until the server has seen n
// calls given up, and fails the test if it has not: the client awaits its
// losers, but the server learns of their end a little later.
func (s *hedgeServer) waitGivenUp(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for int(s.givenUp.Load()) < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := int(s.givenUp.Load()); got != n {
		t.Errorf("the server saw %d calls given up; want %d", got, n)
	}
}

// rendezvous holds the first call of each request until another call of
// the same request arrives, or its context ends, or wait passes (if wait
// is not 0); the calls after the first are not held.
type rendezvous struct {
	mu  sync.Mutex
	met map[string]chan struct{} // closed when a second call arrives
}

func (r *rendezvous) await(ctx context.Context, in string, wait time.Duration) error {
	r.mu.Lock()
	ch, seen := r.met[in]
	switch {
	case !seen:
		if r.met == nil {
			r.met = map[string]chan struct{}{}
		}
		ch = make(chan struct{})
		r.met[in] = ch
	case ch != nil:
		close(ch)
		r.met[in] = nil
	}
	r.mu.Unlock()
	if seen {
		return nil
	}
	var timeout <-chan time.Time
	if wait > 0 {
		timer := time.NewTimer(wait)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case <-ch:
	case <-timeout:
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
	return nil
}

// inFlight is a unary client interceptor, chained after an Interceptor,
// that counts the attempts in flight through it.
type inFlight struct {
	n, max atomic.Int32
}

func (f *inFlight) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	n := f.n.Add(1)
	defer f.n.Add(-1)
	for m := f.max.Load(); n > m && !f.max.CompareAndSwap(m, n); m = f.max.Load() {
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// dialHedging returns a client of s through a new Interceptor made with
// fast, NoBudget and opts, and an interceptor chained after it that
// counts the attempts in flight.
func dialHedging(t *testing.T, s *hedgeServer, opts ...retrygrpc.Option) (*grpc.ClientConn, *inFlight) {
	t.Helper()
	r := retrygrpc.New(append([]retrygrpc.Option{fast, retrygrpc.NoBudget()}, opts...)...)
	f := &inFlight{}
	conn, err := grpc.NewClient("passthrough:///"+s.addr,
		grpc.WithChainUnaryInterceptor(r.Unary, f.intercept),
		grpc.WithDisableRetry(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ready(t, conn)
	return conn, f
}

// hedgeWon returns the events HedgeWon that rec recorded, as "attempt
// n, hedge".
func hedgeWon(rec *observe.Recorder) []string {
	var out []string
	for _, e := range rec.Events() {
		if w, ok := e.(observe.HedgeWon); ok {
			out = append(out, fmt.Sprintf("attempt %d, hedge %v", w.Attempt, w.Hedge))
		}
	}
	return out
}

// TestHedgeCutsTheTailAgainstASlowServer calls Unary, hedged with a
// delay, on a real server on loopback for which one request in three is
// slow: its first call answers only once the client gives it up; any
// other call answers at once. Each slow request is made exactly twice,
// and the call that answered wins (the hedge, unless the machine delayed
// the first attempt past the hedge delay): the caller gets its reply, the
// other attempt is cancelled, and had returned before Unary did; the
// caller's header, trailer and peer are the winner's.
func TestHedgeCutsTheTailAgainstASlowServer(t *testing.T) {
	for _, hedge := range []retrygrpc.Option{
		retrygrpc.Hedge(20*time.Millisecond, 2),
		// The delay is at most Cap: the fallback, then a quantile of the
		// fast calls' latency.
		retrygrpc.HedgeAdaptive(retry.LatencyConfig{Floor: 5 * time.Millisecond, Cap: 20 * time.Millisecond, MinSamples: 3}, 2),
	} {
		t.Run(hedge.String(), func(t *testing.T) { testHedgeCutsTheTail(t, hedge) })
	}
}

func testHedgeCutsTheTail(t *testing.T, hedge retrygrpc.Option) {
	checkLeaks(t)
	var srv *hedgeServer
	srv = newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		if strings.HasPrefix(in, "slow") && srv.callsOf(in)[0] == n {
			return stall(ctx)
		}
		return nil
	})
	rec := &observe.Recorder{}
	conn, flight := dialHedging(t, srv, hedge, retrygrpc.Retry(retry.Subscribe(rec)))
	const calls = 12
	slow := 0
	for k := range calls {
		in := "fast " + strconv.Itoa(k)
		if k%3 == 0 {
			in, slow = "slow "+strconv.Itoa(k), slow+1
		}
		rec.Reset()
		var header, trailer metadata.MD
		var p peer.Peer
		reply := new(wrapperspb.StringValue)
		err := conn.Invoke(t.Context(), unaryMethod, wrapperspb.String(in), reply, grpc.Header(&header), grpc.Trailer(&trailer), grpc.Peer(&p))
		if err != nil {
			t.Fatalf("call %q: %v", in, err)
		}
		if n := flight.n.Load(); n != 0 {
			t.Errorf("call %q: %d attempts in flight once Unary returned; want none", in, n)
		}
		got := srv.callsOf(in)
		if !strings.HasPrefix(in, "slow") {
			continue // a fast request is hedged only if it was slow to answer, on a busy machine
		}
		if len(got) != 2 {
			t.Fatalf("slow request %q reached the server in calls %v; want twice: the first, stalled, and one hedge", in, got)
		}
		want := in + " #" + strconv.Itoa(got[1])
		if reply.Value != want {
			t.Errorf("slow request %q: reply %q; want the answered call's, %q", in, reply.Value, want)
		}
		if h, tr := header.Get("call"), trailer.Get("call"); len(h) != 1 || h[0] != strconv.Itoa(got[1]) || len(tr) != 1 || tr[0] != h[0] {
			t.Errorf("slow request %q: header %v, trailer %v; want the answered call's, %d", in, header, trailer, got[1])
		}
		if p.Addr == nil || p.Addr.String() != srv.addr {
			t.Errorf("slow request %q: peer %v; want %s", in, p.Addr, srv.addr)
		}
		// Which attempt won is the one whose call reached the server
		// second: the hedge, unless the first attempt was so late that
		// the hedge overtook it.
		if won := hedgeWon(rec); !cmp.Equal(won, []string{"attempt 2, hedge true"}) && !cmp.Equal(won, []string{"attempt 1, hedge false"}) {
			t.Errorf("slow request %q: HedgeWon events %q; want one, of the attempt answered", in, won)
		}
	}
	srv.waitGivenUp(t, slow)
	if max := flight.max.Load(); max != 2 {
		t.Errorf("at most %d attempts in flight at once; want 2, as Hedge says", max)
	}
}

// TestHedgeNeverRepeatsANotIdempotentCall hedges at once: a call of
// Create, which Echo's descriptor does not declare idempotent, and one of
// Unary with CallIdempotent(false), reach the server once each, and wait
// for it; calls of Get and Unary, and of Create with CallIdempotent(true),
// reach it more than once. Their server answers a call only once another
// call of the same request arrived, or after a while (for the calls that
// must not be repeated).
func TestHedgeNeverRepeatsANotIdempotentCall(t *testing.T) {
	checkLeaks(t)
	var meet rendezvous
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		return meet.await(ctx, in, 100*time.Millisecond)
	})
	conn, _ := dialHedging(t, srv, retrygrpc.Hedge(0, 3))
	tests := []struct {
		method string
		opts   []grpc.CallOption
		once   bool
	}{
		{method: createMethod, once: true},
		{method: unaryMethod, opts: []grpc.CallOption{retrygrpc.CallIdempotent(false)}, once: true},
		{method: getMethod},
		{method: unaryMethod},
		{method: createMethod, opts: []grpc.CallOption{retrygrpc.CallIdempotent(true)}},
	}
	for i, tt := range tests {
		in := "request " + strconv.Itoa(i)
		if _, err := invoke(t.Context(), conn, tt.method, in, tt.opts...); err != nil {
			t.Fatalf("%s %v: %v", tt.method, tt.opts, err)
		}
		got := srv.callsOf(in)
		if tt.once && len(got) != 1 {
			t.Errorf("%s %v reached the server in calls %v; want once", tt.method, tt.opts, got)
		}
		if !tt.once && len(got) < 2 {
			t.Errorf("%s %v reached the server in calls %v; want hedges", tt.method, tt.opts, got)
		}
	}
}

// TestHedgeReplyIsTheWinners hedges at once, on a server that answers
// both calls of a request at once, so that the caller's reply may be
// decoded by the first attempt, which then wins or loses, or merged from
// the hedge's: either way it is the winner's whole, with nothing left of
// what it held before the call. The reply is a FileDescriptorProto, whose
// field 1, name, reads Echo's StringValue; its other fields, which the
// server never sets, are set before the call.
func TestHedgeReplyIsTheWinners(t *testing.T) {
	checkLeaks(t)
	var meet rendezvous
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		return meet.await(ctx, in, 0)
	})
	rec := &observe.Recorder{}
	conn, flight := dialHedging(t, srv, retrygrpc.Hedge(0, 2), retrygrpc.Retry(retry.Subscribe(rec)))
	for k := range 20 {
		in := "request " + strconv.Itoa(k)
		rec.Reset()
		reply := &descriptorpb.FileDescriptorProto{Name: proto.String("stale"), Package: proto.String("stale"), Dependency: []string{"stale"}}
		var trailer metadata.MD
		if err := conn.Invoke(t.Context(), unaryMethod, wrapperspb.String(in), reply, grpc.Trailer(&trailer)); err != nil {
			t.Fatalf("call %q: %v", in, err)
		}
		got := srv.callsOf(in)
		if len(got) != 2 {
			t.Fatalf("request %q reached the server in calls %v; want twice", in, got)
		}
		call := strings.TrimPrefix(reply.GetName(), in+" #")
		if tr := trailer.Get("call"); (call != strconv.Itoa(got[0]) && call != strconv.Itoa(got[1])) || len(tr) != 1 || tr[0] != call {
			t.Errorf("request %q: reply name %q, trailer %v; want the reply of one of calls %v, and its trailer", in, reply.GetName(), trailer, got)
		}
		if reply.Package != nil || reply.Dependency != nil {
			t.Errorf("request %q: reply %v; want the fields set before the call reset", in, reply)
		}
		if n := flight.n.Load(); n != 0 {
			t.Errorf("call %q: %d attempts in flight once Unary returned; want none", in, n)
		}
		if won := hedgeWon(rec); len(won) != 1 {
			t.Errorf("call %q: HedgeWon events %q; want one", in, won)
		}
	}
}

// TestHedgeConcurrentCalls makes hedged calls at once through one
// Interceptor, for the race detector: every reply is its own request's,
// and so are its header and trailer.
func TestHedgeConcurrentCalls(t *testing.T) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		if n%4 == 0 {
			return status.Error(codes.Unavailable, "busy")
		}
		return nil
	})
	conn, flight := dialHedging(t, srv, retrygrpc.Hedge(0, 3))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 5 {
				in := fmt.Sprintf("g%d k%d", g, k)
				var header, trailer metadata.MD
				reply := new(wrapperspb.StringValue)
				if err := conn.Invoke(t.Context(), getMethod, wrapperspb.String(in), reply, grpc.Header(&header), grpc.Trailer(&trailer)); err != nil {
					t.Errorf("call %q: %v", in, err)
					continue
				}
				call := strings.TrimPrefix(reply.Value, in+" #")
				if call == reply.Value || len(header.Get("call")) != 1 || header.Get("call")[0] != call || len(trailer.Get("call")) != 1 || trailer.Get("call")[0] != call {
					t.Errorf("call %q: reply %q, header %v, trailer %v; want the reply of this request, and its call's metadata", in, reply.Value, header, trailer)
				}
			}
		})
	}
	wg.Wait()
	if n := flight.n.Load(); n != 0 {
		t.Errorf("%d attempts in flight once every call returned; want none", n)
	}
	if n := srv.calls.Load(); n <= 40 {
		t.Errorf("%d calls for 40 requests; want hedges", n)
	}
}

// TestHedgeSpendsTheBudget: a hedge spends the budget, and no success
// pays it back; retries keep their own reserve. The budget is
// retry.NewBudget(0, 1): one hedge, and one retry. The first call hedges
// (the server answers its first attempt only once a second call arrives,
// or after a while); the second, though the first succeeded, is not
// hedged; a third call that fails still retries once, paid by the first
// call's success.
func TestHedgeSpendsTheBudget(t *testing.T) {
	checkLeaks(t)
	var meet rendezvous
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		if in == "fail" {
			return status.Error(codes.Unavailable, "down")
		}
		return meet.await(ctx, in, 100*time.Millisecond)
	})
	rec := &observe.Recorder{}
	conn, _ := dialHedging(t, srv, retrygrpc.Hedge(0, 3), retrygrpc.Budget(retry.NewBudget(0, 1)),
		retrygrpc.Retry(retry.MaxAttempts(2), retry.Subscribe(rec)))
	if _, err := unary(t.Context(), conn, "hedged"); err != nil {
		t.Fatal(err)
	}
	if got := srv.callsOf("hedged"); len(got) != 2 {
		t.Errorf("with one hedge in the budget, the call reached the server in calls %v; want twice: one hedge", got)
	}
	rec.Reset()
	if _, err := unary(t.Context(), conn, "no hedge left"); err != nil {
		t.Fatal(err)
	}
	if got := srv.callsOf("no hedge left"); len(got) != 1 {
		t.Errorf("with the budget's hedge spent, the call reached the server in calls %v; want once: no success pays a hedge back", got)
	}
	if started := rec.Count(observe.KindHedgeStarted); started != 0 {
		t.Errorf("with the budget's hedge spent, %d HedgeStarted events; want none", started)
	}
	if _, err := unary(t.Context(), conn, "fail"); !errors.Is(err, retry.ErrMaxAttempts) || len(srv.callsOf("fail")) != 2 {
		t.Errorf("a call that fails twice: %v, calls %v; want retry.ErrMaxAttempts after 2 calls: a retry, paid by a success", err, srv.callsOf("fail"))
	}
}

// TestHedgeAsksTheBreaker: a call that fails with ResourceExhausted and
// the server's pushback of 50ms opens the target's breaker for that long;
// the next call waits for the breaker's probe, and its first attempt is
// that probe, which the server holds until another call arrives, or for a
// while. While the breaker is half-open with its one probe in flight, it
// refuses the call's hedges: the server sees no other call, and the call
// gets the probe's reply, which closes the breaker.
func TestHedgeAsksTheBreaker(t *testing.T) {
	checkLeaks(t)
	var meet rendezvous
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		if in == "shed" {
			grpc.SetTrailer(ctx, metadata.Pairs("grpc-retry-pushback-ms", "50"))
			return status.Error(codes.ResourceExhausted, "shedding load")
		}
		return meet.await(ctx, in, 200*time.Millisecond)
	})
	changes := &observe.Recorder{}
	conn, _ := dialHedging(t, srv, retrygrpc.Hedge(10*time.Millisecond, 3),
		retrygrpc.BreakerPerTarget(breaker.Config{Subscribers: []observe.Subscriber{changes}}))
	if _, err := unary(t.Context(), conn, "shed", retrygrpc.CallRetry(retry.MaxAttempts(1))); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("a call shed: %v; want ResourceExhausted", err)
	}
	got, err := unary(t.Context(), conn, "probe")
	if err != nil || got != "probe #2" {
		t.Errorf("Unary = %q, %v; want the probe's reply, probe #2", got, err)
	}
	if n := srv.calls.Load(); n != 2 {
		t.Errorf("the server saw %d calls; want 2: no hedge while the breaker's probe was in flight", n)
	}
	name := conn.CanonicalTarget() + ": "
	if got, want := changesOf(changes), []string{name + "closed -> open", name + "open -> half_open", name + "half_open -> closed"}; !cmp.Equal(got, want) {
		t.Errorf("the breaker's changes %q; want %q", got, want)
	}
}

// TestHedgeFailureKeepsTheLastAttemptsMetadata: when every attempt fails,
// Unary returns the last attempt's error, and the caller's trailer is
// that attempt's, as gRPC gives it without hedging; also when the
// failures carry the server's pushback (a grpc-retry-pushback-ms
// trailer), which the loop strips from the error it keeps.
func TestHedgeFailureKeepsTheLastAttemptsMetadata(t *testing.T) {
	for _, tt := range []struct {
		name     string
		pushback bool
		hedge    retrygrpc.Option
		attempts int
		calls    int
	}{
		{"failures", false, retrygrpc.Hedge(0, 3), 5, 10},
		{"failures with pushback", true, retrygrpc.Hedge(0, 2), 2, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
				if tt.pushback {
					grpc.SetTrailer(ctx, metadata.Pairs("grpc-retry-pushback-ms", "1"))
				}
				return status.Errorf(codes.Unavailable, "down #%d", n)
			})
			conn, _ := dialHedging(t, srv, tt.hedge, retrygrpc.Retry(retry.MaxAttempts(tt.attempts)))
			for range tt.calls {
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
		})
	}
}

// TestHedgeDoesNotHedgeAReplyThatIsNotAProtobufMessage: a reply that is
// not a protobuf message cannot be copied, so its call is made one attempt
// at a time, through a codec that takes it.
func TestHedgeDoesNotHedgeAReplyThatIsNotAProtobufMessage(t *testing.T) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error {
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	conn, flight := dialHedging(t, srv, retrygrpc.Hedge(0, 3))
	req, err := proto.Marshal(wrapperspb.String("raw"))
	if err != nil {
		t.Fatal(err)
	}
	var reply []byte
	if err := conn.Invoke(t.Context(), unaryMethod, &req, &reply, grpc.ForceCodecV2(rawCodec{})); err != nil {
		t.Fatal(err)
	}
	if n := srv.calls.Load(); n != 1 {
		t.Errorf("the server saw %d calls; want 1", n)
	}
	if max := flight.max.Load(); max != 1 {
		t.Errorf("%d attempts in flight at once; want 1", max)
	}
	var got wrapperspb.StringValue
	if err := proto.Unmarshal(reply, &got); err != nil || got.Value != "raw #1" {
		t.Errorf("reply %q, %v; want raw #1", got.Value, err)
	}
}

// TestHedgeDoesNotHedgeStreams: a server stream whose first attempt
// stalls until its AttemptTimeout is opened again after it, not hedged
// while it stalls: the server sees two calls.
func TestHedgeDoesNotHedgeStreams(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, stalled(), msgs(1))
	conn := dial(t, s, fast, retrygrpc.Hedge(0, 3), retrygrpc.Retry(retry.AttemptTimeout(50*time.Millisecond)))
	ready(t, conn) // the 50ms are the attempt's, not the connection's
	got, err := serverStream(t.Context(), conn, "x")
	if err != nil || !cmp.Equal(got, []string{"x #2.1"}) {
		t.Errorf("serverStream = %q, %v; want the second call's message", got, err)
	}
	if n := s.calls.Load(); n != 2 {
		t.Errorf("the server saw %d calls; want 2: the stalled one, and its retry", n)
	}
}

// TestRetryHedgeIsNotForTheInterceptor: a retry.Hedge among the options
// of Retry fails the calls that are not hedged, before they are made, as
// retry.Do does.
func TestRetryHedgeIsNotForTheInterceptor(t *testing.T) {
	checkLeaks(t)
	srv := newHedgeServer(t, func(ctx context.Context, n int, in string) error { return nil })
	conn, _ := dialHedging(t, srv, retrygrpc.Retry(retry.Hedge(0, 2)))
	if _, err := invoke(t.Context(), conn, createMethod, "x"); !errors.Is(err, retry.ErrInvalidOption) || status.Code(err) != codes.Internal {
		t.Errorf("Create with a retry.Hedge = %v; want retry.ErrInvalidOption, Internal", err)
	}
	if n := srv.calls.Load(); n != 0 {
		t.Errorf("the server saw %d calls; want none", n)
	}
}

func TestHedgeRejectsInvalidValues(t *testing.T) {
	tests := []struct {
		opt  retrygrpc.Option
		want string
	}{
		{retrygrpc.Hedge(-time.Second, 2), "retrygrpc: Hedge(-1s, 2): delay must not be negative"},
		{retrygrpc.Hedge(time.Second, 1), "retrygrpc: Hedge(1s, 1): max must be at least 2: the first attempt and a hedge"},
		{retrygrpc.HedgeAdaptive(retry.LatencyConfig{}, 0), "retrygrpc: HedgeAdaptive({}, 0): max must be at least 2: the first attempt and a hedge"},
		{retrygrpc.HedgeAdaptive(retry.LatencyConfig{Floor: -time.Millisecond}, 2), "retrygrpc: HedgeAdaptive({Floor:-1ms}, 2): Floor -1ms must not be negative"},
		{retrygrpc.HedgeAdaptive(retry.LatencyConfig{Quantile: 1.5, Cap: time.Second}, 2), "retrygrpc: HedgeAdaptive({Quantile:1.5 Cap:1s}, 2): Quantile 1.5: want more than 0 and less than 1"},
	}
	for _, tt := range tests {
		r := retrygrpc.New(tt.opt)
		called := false
		err := r.Unary(t.Context(), unaryMethod, wrapperspb.String("x"), new(wrapperspb.StringValue), nil,
			func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
				called = true
				return nil
			})
		if called || !errors.Is(err, retry.ErrInvalidOption) || err.Error() != tt.want {
			t.Errorf("Unary with %v = %v (called %v); want %q, matching retry.ErrInvalidOption, and no call", tt.opt, err, called, tt.want)
		}
	}
}

// rawCodec is a gRPC codec of messages already encoded: a *[]byte.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" } // the server's content subtype
