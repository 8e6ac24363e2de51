package retrygrpc_test

// The tests' gRPC service, Echo, is written by hand, without protoc: its
// grpc.ServiceDesc names methods of each kind, whose handlers
// decode and encode wrapperspb.StringValue messages with gRPC's default
// protobuf codec. So the tests run a real gRPC server and client over
// loopback TCP, with real protobuf messages, and build with nothing but
// go test.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

const service = "reflexio.retrygrpc.test.Echo"

// The full names of Echo's methods, as events and errors name them.
const (
	unaryMethod  = "/" + service + "/Unary"
	serverMethod = "/" + service + "/ServerStream"
	clientMethod = "/" + service + "/ClientStream"
	bidiMethod   = "/" + service + "/Bidi"

	getMethod          = "/" + service + "/Get"          // NO_SIDE_EFFECTS
	createMethod       = "/" + service + "/Create"       // no idempotency_level
	createStreamMethod = "/" + service + "/CreateStream" // no idempotency_level
	createBidiMethod   = "/" + service + "/CreateBidi"   // no idempotency_level
)

// A step is what the server does in the call it answers.
type step struct {
	code     codes.Code    // the status the call ends with; OK: success
	pushback []string      // the values of a grpc-retry-pushback-ms trailer
	stall    bool          // answer nothing until the call's context ends
	header   bool          // send the header first
	messages int           // streams that answer with messages: how many before the status
	pause    time.Duration // ServerStream: between its messages
}

func ok() step               { return step{} }
func fail(c codes.Code) step { return step{code: c} }
func stalled() step          { return step{stall: true} }
func msgs(n int) step        { return step{messages: n} }
func pushback(c codes.Code, v ...string) step {
	return step{code: c, pushback: v}
}

// server is a gRPC server of Echo on loopback that answers the n-th call
// with the n-th step, repeating the last, and keeps what each call
// received.
type server struct {
	addr  string
	steps []step
	calls atomic.Int32
	mu    sync.Mutex
	got   [][]string // the messages each call received, in order
}

func newServer(t testing.TB, steps ...step) *server {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: lis.Addr().String(), steps: steps}
	srv := grpc.NewServer()
	srv.RegisterService(&echoDesc, s)
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

// begin counts a call, and returns its number and its step.
func (s *server) begin() (int, step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := int(s.calls.Add(1)) // under the lock, so that got[n-1] is call n's
	s.got = append(s.got, nil)
	return n, s.steps[min(n, len(s.steps))-1]
}

// received records that call n received v.
func (s *server) received(n int, v string) {
	s.mu.Lock()
	s.got[n-1] = append(s.got[n-1], v)
	s.mu.Unlock()
}

// gotten returns what each call received.
func (s *server) gotten() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.got...)
}

// end does what st says before a call's status: stall, send a header or
// a trailer. It returns the status: nil for OK.
func (s *server) end(ctx context.Context, n int, st step, setTrailer func(metadata.MD)) error {
	if st.stall {
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	}
	if len(st.pushback) > 0 {
		md := metadata.MD{}
		for _, v := range st.pushback {
			md.Append("grpc-retry-pushback-ms", v)
		}
		setTrailer(md)
	}
	if st.code != codes.OK {
		return status.Errorf(st.code, "injected %v #%d", st.code, n)
	}
	return nil
}

func sendHeader(st step, send func(metadata.MD) error) {
	if st.header {
		send(metadata.Pairs("server", "echo"))
	}
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: service,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Unary", Handler: unaryHandler},
		{MethodName: "Get", Handler: unaryHandler},
		{MethodName: "Create", Handler: unaryHandler},
	},
	Streams: []grpc.StreamDesc{
		{StreamName: "ServerStream", ServerStreams: true, Handler: serverStreamHandler},
		{StreamName: "ClientStream", ClientStreams: true, Handler: clientStreamHandler},
		{StreamName: "Bidi", ServerStreams: true, ClientStreams: true, Handler: bidiHandler},
		{StreamName: "CreateStream", ServerStreams: true, Handler: serverStreamHandler},
		{StreamName: "CreateBidi", ServerStreams: true, ClientStreams: true, Handler: bidiHandler},
	},
}

// unaryHandler answers one request with it, and the call's number.
func unaryHandler(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	s := srv.(*server)
	in := new(wrapperspb.StringValue)
	if err := dec(in); err != nil {
		return nil, err
	}
	n, st := s.begin()
	s.received(n, in.Value)
	sendHeader(st, func(md metadata.MD) error { return grpc.SendHeader(ctx, md) })
	if err := s.end(ctx, n, st, func(md metadata.MD) { grpc.SetTrailer(ctx, md) }); err != nil {
		return nil, err
	}
	return wrapperspb.String(in.Value + " #" + strconv.Itoa(n)), nil
}

// serverStreamHandler takes one request, then sends st.messages answers,
// then the status.
func serverStreamHandler(srv any, ss grpc.ServerStream) error {
	s := srv.(*server)
	in := new(wrapperspb.StringValue)
	if err := ss.RecvMsg(in); err != nil {
		return err
	}
	n, st := s.begin()
	s.received(n, in.Value)
	sendHeader(st, ss.SendHeader)
	for i := 1; i <= st.messages; i++ {
		if i > 1 {
			time.Sleep(st.pause)
		}
		if err := ss.SendMsg(wrapperspb.String(fmt.Sprintf("%s #%d.%d", in.Value, n, i))); err != nil {
			return err
		}
	}
	return s.end(ss.Context(), n, st, ss.SetTrailer)
}

// clientStreamHandler takes requests until the client closes, then sends
// one answer, their concatenation, or the status.
func clientStreamHandler(srv any, ss grpc.ServerStream) error {
	s := srv.(*server)
	n, st := s.begin()
	var all []string
	for {
		in := new(wrapperspb.StringValue)
		err := ss.RecvMsg(in)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		s.received(n, in.Value)
		all = append(all, in.Value)
	}
	sendHeader(st, ss.SendHeader)
	if err := s.end(ss.Context(), n, st, ss.SetTrailer); err != nil {
		return err
	}
	return ss.SendMsg(wrapperspb.String(strings.Join(all, "+") + " #" + strconv.Itoa(n)))
}

// bidiHandler answers each request at once, while st allows: a failing
// step answers st.messages requests, and fails at the next.
func bidiHandler(srv any, ss grpc.ServerStream) error {
	s := srv.(*server)
	n, st := s.begin()
	sendHeader(st, ss.SendHeader)
	for answered := 0; ; answered++ {
		in := new(wrapperspb.StringValue)
		err := ss.RecvMsg(in)
		if err == io.EOF {
			return s.end(ss.Context(), n, step{code: st.code, pushback: st.pushback}, ss.SetTrailer)
		}
		if err != nil {
			return err
		}
		s.received(n, in.Value)
		if st.stall || (st.code != codes.OK && answered == st.messages) {
			return s.end(ss.Context(), n, st, ss.SetTrailer)
		}
		if err := ss.SendMsg(wrapperspb.String(in.Value + " #" + strconv.Itoa(n))); err != nil {
			return err
		}
	}
}

// echoFile describes Echo as protoc would from this .proto file, and is
// registered in protoregistry.GlobalFiles, as generated code registers
// its own, so that the Interceptor learns which methods are idempotent:
//
//	syntax = "proto3";
//	package reflexio.retrygrpc.test;
//	import "google/protobuf/wrappers.proto";
//	service Echo {
//	  rpc Unary(StringValue) returns (StringValue) { option idempotency_level = IDEMPOTENT; }
//	  rpc Get(StringValue) returns (StringValue) { option idempotency_level = NO_SIDE_EFFECTS; }
//	  rpc Create(StringValue) returns (StringValue);
//	  rpc ServerStream(StringValue) returns (stream StringValue) { option idempotency_level = IDEMPOTENT; }
//	  rpc ClientStream(stream StringValue) returns (StringValue) { option idempotency_level = IDEMPOTENT; }
//	  rpc Bidi(stream StringValue) returns (stream StringValue) { option idempotency_level = IDEMPOTENT; }
//	  rpc CreateStream(StringValue) returns (stream StringValue);
//	  rpc CreateBidi(stream StringValue) returns (stream StringValue);
//	}
//
// (StringValue being google.protobuf.StringValue.) The methods that most
// tests call are idempotent, so that every failure is retried as its
// class says; Create and its streams are not.
var echoFile = func() protoreflect.FileDescriptor {
	const sv = ".google.protobuf.StringValue"
	level := func(l descriptorpb.MethodOptions_IdempotencyLevel) *descriptorpb.MethodOptions {
		return &descriptorpb.MethodOptions{IdempotencyLevel: l.Enum()}
	}
	idempotent := level(descriptorpb.MethodOptions_IDEMPOTENT)
	method := func(name string, clientStreams, serverStreams bool, opts *descriptorpb.MethodOptions) *descriptorpb.MethodDescriptorProto {
		return &descriptorpb.MethodDescriptorProto{
			Name: proto.String(name), InputType: proto.String(sv), OutputType: proto.String(sv),
			ClientStreaming: proto.Bool(clientStreams), ServerStreaming: proto.Bool(serverStreams),
			Options: opts,
		}
	}
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("reflexio/retrygrpc/test/echo.proto"),
		Package:    proto.String("reflexio.retrygrpc.test"),
		Dependency: []string{"google/protobuf/wrappers.proto"},
		Syntax:     proto.String("proto3"),
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("Echo"),
			Method: []*descriptorpb.MethodDescriptorProto{
				method("Unary", false, false, idempotent),
				method("Get", false, false, level(descriptorpb.MethodOptions_NO_SIDE_EFFECTS)),
				method("Create", false, false, nil),
				method("ServerStream", false, true, idempotent),
				method("ClientStream", true, false, idempotent),
				method("Bidi", true, true, idempotent),
				method("CreateStream", false, true, nil),
				method("CreateBidi", true, true, nil),
			},
		}},
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		panic(err)
	}
	if err := protoregistry.GlobalFiles.RegisterFile(fd); err != nil {
		panic(err)
	}
	return fd
}()

// The client side's descriptions of Echo's streams.
var (
	serverStreamDesc = &echoDesc.Streams[0]
	clientStreamDesc = &echoDesc.Streams[1]
	bidiDesc         = &echoDesc.Streams[2]
	createStreamDesc = &echoDesc.Streams[3]
	createBidiDesc   = &echoDesc.Streams[4]
)

// fast makes the tests' retries wait as little as they can: no backoff,
// and a server's hint capped at a millisecond.
var fast = retrygrpc.Retry(
	retry.Backoff(backoff.Constant(0)),
	retry.MaxRetryAfter(time.Millisecond),
)

// dial returns a client of s through a new Interceptor made with opts, and
// the Interceptor, and closes the client when the test ends.
func dial(t testing.TB, s *server, opts ...retrygrpc.Option) *grpc.ClientConn {
	t.Helper()
	return dialWith(t, s, retrygrpc.New(opts...))
}

// dialWith returns a client of s through r.
func dialWith(t testing.TB, s *server, r *retrygrpc.Interceptor) *grpc.ClientConn {
	t.Helper()
	return dialAddr(t, s.addr, r)
}

// dialAddr returns a client of the server at addr through r.
func dialAddr(t testing.TB, addr string, r *retrygrpc.Interceptor) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+addr,
		append(r.DialOptions(), grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// ready connects conn, and waits until it is ready, or fails the test
// after a generous while: a test whose call has a short deadline must not
// spend it connecting on a busy machine.
func ready(t testing.TB, conn *grpc.ClientConn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	conn.Connect()
	for state := conn.GetState(); state != connectivity.Ready; state = conn.GetState() {
		if !conn.WaitForStateChange(ctx, state) {
			t.Fatalf("the connection is not ready: %v", state)
		}
	}
}

// unary calls Echo's Unary with in.
func unary(ctx context.Context, conn *grpc.ClientConn, in string, opts ...grpc.CallOption) (string, error) {
	return invoke(ctx, conn, unaryMethod, in, opts...)
}

// invoke calls method, one of Echo's unary methods, with in.
func invoke(ctx context.Context, conn *grpc.ClientConn, method, in string, opts ...grpc.CallOption) (string, error) {
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(ctx, method, wrapperspb.String(in), out, opts...); err != nil {
		return "", err
	}
	return out.Value, nil
}

// serverStream calls Echo's ServerStream with in, as generated code does,
// and returns the messages and the error that ended the stream (nil for a
// stream that ended well).
func serverStream(ctx context.Context, conn *grpc.ClientConn, in string, opts ...grpc.CallOption) ([]string, error) {
	return serverStreamOf(ctx, conn, serverStreamDesc, serverMethod, in, opts...)
}

// serverStreamOf calls method, a server stream of Echo's that desc
// describes, as serverStream does.
func serverStreamOf(ctx context.Context, conn *grpc.ClientConn, desc *grpc.StreamDesc, method, in string, opts ...grpc.CallOption) ([]string, error) {
	cs, err := conn.NewStream(ctx, desc, method, opts...)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(in)); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	return recvAll(cs)
}

// recvAll receives messages from cs until it ends.
func recvAll(cs grpc.ClientStream) ([]string, error) {
	var out []string
	for {
		m := new(wrapperspb.StringValue)
		err := cs.RecvMsg(m)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m.Value)
	}
}

// sendAll sends each of in on cs, and closes its sending side.
func sendAll(t testing.TB, cs grpc.ClientStream, in ...string) {
	t.Helper()
	for _, v := range in {
		if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
			t.Fatalf("SendMsg(%q) = %v", v, err)
		}
	}
	if err := cs.CloseSend(); err != nil {
		t.Fatalf("CloseSend() = %v", err)
	}
}

// checkLeaks fails the test if goroutines that it started outlive it. Call
// it first, so that its cleanup runs last, after the servers and clients
// are closed. Tests that call it must not run in parallel.
func checkLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("goroutines: %d before the test, %d after it:\n%s", before, runtime.NumGoroutine(), buf)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// events flattens what rec recorded.
func events(rec *observe.Recorder) []eventtest.Event {
	return eventtest.Flatten(rec.Events(), nil, nil)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// injected returns the text of the status error that the server's step
// with code c makes in call n.
func injected(c codes.Code, n int) string {
	return status.Errorf(c, "injected %v #%d", c, n).Error()
}

// lastStatus returns the status of the last attempt that err, an
// Interceptor's error, keeps.
func lastStatus(t testing.TB, err error) *status.Status {
	t.Helper()
	re, ok := errors.AsType[*retry.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) holds no *retry.Error", err, err)
	}
	st, ok := status.FromError(re.Last)
	if !ok {
		t.Fatalf("last error %v (%T) has no status", re.Last, re.Last)
	}
	return st
}
