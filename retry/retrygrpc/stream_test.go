package retrygrpc_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

func TestServerStream(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name       string
		steps      []step
		want       []string
		wantErr    string // the text of the error that ends the stream
		wantRaw    bool   // the error is gRPC's own, not the loop's
		attempts   int    // MaxAttempts; 0: 3
		wantCalls  int32
		wantEvents []eventtest.Event
	}{{
		name:      "retried before the first response",
		steps:     []step{fail(codes.Unavailable), fail(codes.Aborted), msgs(2)},
		want:      []string{"hi #3.1", "hi #3.2"},
		wantCalls: 3,
		wantEvents: []eventtest.Event{
			{Kind: "retry", Op: serverMethod, Attempt: 1, Class: classify.Transient, Err: injected(codes.Unavailable, 1)},
			{Kind: "retry", Op: serverMethod, Attempt: 2, Class: classify.Concurrency, Err: injected(codes.Aborted, 2)},
			{Kind: "success", Op: serverMethod, Attempt: 3},
		},
	}, {
		name:      "not retried after the first response",
		steps:     []step{{code: codes.Unavailable, messages: 1}, msgs(1)},
		want:      []string{"hi #1.1"},
		wantErr:   injected(codes.Unavailable, 1),
		wantRaw:   true,
		wantCalls: 1,
		wantEvents: []eventtest.Event{
			{Kind: "success", Op: serverMethod, Attempt: 1},
		},
	}, {
		name:       "an empty stream is a response",
		steps:      []step{ok()},
		wantCalls:  1,
		wantEvents: []eventtest.Event{{Kind: "success", Op: serverMethod, Attempt: 1}},
	}, {
		name:      "permanent before the first response",
		steps:     []step{fail(codes.PermissionDenied)},
		wantErr:   "retry: permanent error after 1 attempt: " + injected(codes.PermissionDenied, 1),
		wantCalls: 1,
		wantEvents: []eventtest.Event{
			{Kind: "permanent_failure", Op: serverMethod, Attempt: 1, Class: classify.Permanent, Err: injected(codes.PermissionDenied, 1)},
		},
	}, {
		name:      "attempts run out",
		steps:     []step{fail(codes.Unavailable)},
		attempts:  2,
		wantErr:   "retry: max attempts reached after 2 attempts: " + injected(codes.Unavailable, 2),
		wantCalls: 2,
		wantEvents: []eventtest.Event{
			{Kind: "retry", Op: serverMethod, Attempt: 1, Class: classify.Transient, Err: injected(codes.Unavailable, 1)},
			{Kind: "max_attempts_exceeded", Op: serverMethod, Attempt: 2, Class: classify.Transient, Err: injected(codes.Unavailable, 2)},
		},
	}, {
		name:      "refused by the server's pushback",
		steps:     []step{pushback(codes.Unavailable, "-1"), msgs(1)},
		wantErr:   "retry: permanent error after 1 attempt: " + injected(codes.Unavailable, 1) + ` (not retried: grpc-retry-pushback-ms "-1")`,
		wantCalls: 1,
		wantEvents: []eventtest.Event{
			{Kind: "permanent_failure", Op: serverMethod, Attempt: 1, Class: classify.Permanent, Err: injected(codes.Unavailable, 1) + ` (not retried: grpc-retry-pushback-ms "-1")`},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.steps...)
			rec := &observe.Recorder{}
			attempts := 3
			if tt.attempts > 0 {
				attempts = tt.attempts
			}
			conn := dial(t, s, fast, retrygrpc.Retry(retry.MaxAttempts(attempts), retry.Subscribe(rec)))

			got, err := serverStream(t.Context(), conn, "hi")

			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if errText(err) != tt.wantErr {
				t.Errorf("error = %v; want %s", err, tt.wantErr)
			}
			if _, isLoops := errors.AsType[*retry.Error](err); err != nil && isLoops == tt.wantRaw {
				t.Errorf("error %v is the loop's: %v; want %v", err, isLoops, !tt.wantRaw)
			}
			if n := s.calls.Load(); n != tt.wantCalls {
				t.Errorf("server calls = %d; want %d", n, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantEvents, events(rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientStreamIsReplayed(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), fail(codes.ResourceExhausted), ok())
	conn := dial(t, s, fast)
	cs, err := conn.NewStream(t.Context(), clientStreamDesc, clientMethod)
	if err != nil {
		t.Fatal(err)
	}

	sendAll(t, cs, "a", "b", "c")
	got, err := recvAll(cs)

	if diff := cmp.Diff([]string{"a+b+c #3"}, got); diff != "" || err != nil {
		t.Errorf("recvAll() = %v; messages (-want +got):\n%s", err, diff)
	}
	want := [][]string{{"a", "b", "c"}, {"a", "b", "c"}, {"a", "b", "c"}}
	if diff := cmp.Diff(want, s.gotten()); diff != "" {
		t.Errorf("the server received (-want +got):\n%s", diff)
	}
}

func TestBidiStreamIsReplayedBeforeItsFirstResponse(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), step{code: codes.Unavailable, messages: 1}, ok())
	conn := dial(t, s, fast)
	cs, err := conn.NewStream(t.Context(), bidiDesc, bidiMethod)
	if err != nil {
		t.Fatal(err)
	}

	// The first call fails at "a"; the second answers "a" and fails at
	// "b", after its first response: not retried.
	recv := func() string {
		m := new(wrapperspb.StringValue)
		if err := cs.RecvMsg(m); err != nil {
			return "error: " + errText(err)
		}
		return m.Value
	}
	var got []string
	cs.SendMsg(wrapperspb.String("a"))
	got = append(got, recv())
	cs.SendMsg(wrapperspb.String("b"))
	got = append(got, recv())
	cs.CloseSend()

	want := []string{"a #2", "error: " + injected(codes.Unavailable, 2)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"a"}, {"a", "b"}}, s.gotten()); diff != "" {
		t.Errorf("the server received (-want +got):\n%s", diff)
	}
}

func TestBidiStreamSendsAllThenReceives(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), ok())
	conn := dial(t, s, fast)
	cs, err := conn.NewStream(t.Context(), bidiDesc, bidiMethod)
	if err != nil {
		t.Fatal(err)
	}

	sendAll(t, cs, "a", "b")
	got, err := recvAll(cs)

	if diff := cmp.Diff([]string{"a #2", "b #2"}, got); diff != "" || err != nil {
		t.Errorf("recvAll() = %v; messages (-want +got):\n%s", err, diff)
	}
}

func TestHeaderCommitsTheStream(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name       string
		first      step
		readHeader bool
		wantCalls  int32
	}{
		{"a header read commits", step{code: codes.Unavailable, header: true}, true, 1},
		{"a header unread does not", step{code: codes.Unavailable, header: true}, false, 2},
		{"no header, nothing to commit", fail(codes.Unavailable), true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.first, msgs(1))
			conn := dial(t, s, fast)
			cs, err := conn.NewStream(t.Context(), serverStreamDesc, serverMethod)
			if err != nil {
				t.Fatal(err)
			}
			sendAll(t, cs, "hi")
			if tt.readHeader {
				md, err := cs.Header()
				if want := tt.first.header; err != nil || (md != nil) != want {
					t.Fatalf("Header() = %v, %v; want a header: %v", md, err, want)
				}
			}

			got, err := recvAll(cs)

			if n := s.calls.Load(); n != tt.wantCalls {
				t.Errorf("server calls = %d; want %d", n, tt.wantCalls)
			}
			if tt.wantCalls == 2 {
				if len(got) != 1 || err != nil {
					t.Errorf("recvAll() = %v, %v; want the second call's message", got, err)
				}
				return
			}
			// The caller saw a response: the stream is committed, and
			// its failure is gRPC's own.
			if len(got) != 0 || status.Code(err) != codes.Unavailable {
				t.Errorf("recvAll() = %v, %v; want the first call's Unavailable", got, err)
			}
			if _, isLoops := errors.AsType[*retry.Error](err); isLoops {
				t.Errorf("error of a committed stream is the loop's: %v", err)
			}
		})
	}
}

// TestBidiReplayWhileSending sends on one goroutine while another
// receives and the loop replays: every message must reach the server that
// answers exactly once, in order.
func TestBidiReplayWhileSending(t *testing.T) {
	checkLeaks(t)
	for range 10 {
		s := newServer(t, fail(codes.Unavailable), ok())
		conn := dial(t, s, fast)
		cs, err := conn.NewStream(t.Context(), bidiDesc, bidiMethod)
		if err != nil {
			t.Fatal(err)
		}
		var sent, want []string
		for i := range 50 {
			sent = append(sent, strconv.Itoa(i))
			want = append(want, strconv.Itoa(i)+" #2")
		}

		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, v := range sent {
				if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
					t.Errorf("SendMsg(%q) = %v", v, err)
				}
			}
			cs.CloseSend()
		}()
		got, err := recvAll(cs)
		<-done

		if diff := cmp.Diff(want, got); diff != "" || err != nil {
			t.Fatalf("recvAll() = %v; messages (-want +got):\n%s", err, diff)
		}
		if diff := cmp.Diff(sent, s.gotten()[1]); diff != "" {
			t.Fatalf("the second call received (-want +got):\n%s", diff)
		}
	}
}

func TestReplayLimit(t *testing.T) {
	checkLeaks(t)
	// "aaaaaaaa" is 10 bytes on the wire: a tag, a length and the 8 bytes.
	tests := []struct {
		name      string
		limit     int
		sent      []string
		wantCalls int32
	}{
		{"within the limit", 20, []string{"aaaaaaaa", "aaaaaaaa"}, 2},
		{"the first message is too large", 9, []string{"aaaaaaaa"}, 1},
		{"the second message overflows", 19, []string{"aaaaaaaa", "aaaaaaaa"}, 1},
		{"zero keeps empty messages", 0, []string{"", ""}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, fail(codes.Unavailable), ok())
			conn := dial(t, s, fast, retrygrpc.ReplayLimit(tt.limit))
			cs, err := conn.NewStream(t.Context(), clientStreamDesc, clientMethod)
			if err != nil {
				t.Fatal(err)
			}

			sendAll(t, cs, tt.sent...)
			_, err = recvAll(cs)

			if n := s.calls.Load(); n != tt.wantCalls {
				t.Errorf("server calls = %d; want %d", n, tt.wantCalls)
			}
			if wantOK := tt.wantCalls == 2; wantOK != (err == nil) {
				t.Errorf("recvAll() = %v", err)
			}
		})
	}
}

func TestStalledStreamAndAttemptTimeout(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, stalled(), msgs(1))
	rec := &observe.Recorder{}
	conn := dial(t, s, fast, retrygrpc.Retry(retry.AttemptTimeout(100*time.Millisecond), retry.Subscribe(rec)))

	got, err := serverStream(t.Context(), conn, "hi")

	if diff := cmp.Diff([]string{"hi #2.1"}, got); diff != "" || err != nil {
		t.Errorf("serverStream() = %v; messages (-want +got):\n%s", err, diff)
	}
	evs := events(rec)
	if len(evs) > 0 {
		evs[0].Err = status.Code(rec.Events()[0].(observe.Retry).Err).String() // the stream was cancelled
	}
	want := []eventtest.Event{
		{Kind: "retry", Op: serverMethod, Attempt: 1, Class: classify.Transient, Err: "Canceled"},
		{Kind: "success", Op: serverMethod, Attempt: 2},
	}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCommittedStreamOutlivesTheAttemptTimeout(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, step{messages: 3, pause: 80 * time.Millisecond})
	conn := dial(t, s, fast, retrygrpc.Retry(retry.AttemptTimeout(50*time.Millisecond)))
	ready(t, conn) // the 50ms are the attempt's, not the connection's

	got, err := serverStream(t.Context(), conn, "hi")

	if diff := cmp.Diff([]string{"hi #1.1", "hi #1.2", "hi #1.3"}, got); diff != "" || err != nil {
		t.Errorf("serverStream() = %v; messages (-want +got):\n%s", err, diff)
	}
}

func TestCallersDeadlineStopsTheStreamLoop(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, stalled())
	// The default backoff: a server that ends the attempt at its deadline
	// a moment before the client does cannot make the loop retry.
	conn := dial(t, s)
	ready(t, conn) // so that the deadline below is not spent connecting
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()

	_, err := serverStream(ctx, conn, "hi")

	if !errors.Is(err, retry.ErrDeadline) || status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("serverStream() = %v (code %v); want retry.ErrDeadline, DeadlineExceeded", err, status.Code(err))
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("server calls = %d; want 1", n)
	}
}

func TestStreamToAServerThatIsDown(t *testing.T) {
	checkLeaks(t)
	rec := &observe.Recorder{}
	r := retrygrpc.New(fast, retrygrpc.Retry(retry.MaxAttempts(3), retry.Subscribe(rec)))
	conn := dialAddr(t, "127.0.0.1:1", r) // nothing listens there: every attempt is refused

	got, err := serverStream(t.Context(), conn, "hi")

	if len(got) != 0 || !errors.Is(err, retry.ErrMaxAttempts) || status.Code(err) != codes.Unavailable {
		t.Errorf("serverStream() = %v, %v (code %v); want ErrMaxAttempts, Unavailable", got, err, status.Code(err))
	}
	if n := rec.Count(observe.KindRetry); n != 2 {
		t.Errorf("retries = %d; want 2", n)
	}
}

func TestStreamAfterTheLoopGaveUp(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, pushback(codes.Unavailable, "-1"))
	conn := dial(t, s, fast)
	cs, err := conn.NewStream(t.Context(), serverStreamDesc, serverMethod)
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, cs, "hi")

	_, first := recvAll(cs)
	_, second := recvAll(cs)

	if !errors.Is(first, retrygrpc.ErrPushback) || second != first {
		t.Errorf("RecvMsg() = %v, then %v; want the same ErrPushback", first, second)
	}
	if err := cs.SendMsg(wrapperspb.String("more")); err != io.EOF {
		t.Errorf("SendMsg() after the end = %v; want io.EOF", err)
	}
	if got := cs.Trailer().Get("grpc-retry-pushback-ms"); len(got) != 1 || got[0] != "-1" {
		t.Errorf("Trailer() = %v; want the last attempt's", cs.Trailer())
	}
}

// fakeStream is a grpc.ClientStream without a network, for what a real
// server cannot be made to do.
type fakeStream struct {
	grpc.ClientStream // nil: the methods below are the only ones called
	ctx               context.Context
	sent              []string
	closed            bool
	sendErr           error
	recv              []error // what each RecvMsg returns; io.EOF after them
}

func (f *fakeStream) Context() context.Context { return f.ctx }

func (f *fakeStream) SendMsg(m any) error {
	f.sent = append(f.sent, m.(*wrapperspb.StringValue).Value)
	return f.sendErr
}

func (f *fakeStream) CloseSend() error { f.closed = true; return nil }

func (f *fakeStream) RecvMsg(m any) error {
	if len(f.recv) == 0 {
		return io.EOF
	}
	err := f.recv[0]
	f.recv = f.recv[1:]
	if err == nil {
		m.(*wrapperspb.StringValue).Value = "response"
	}
	return err
}

func (f *fakeStream) Header() (metadata.MD, error) { return nil, nil }
func (f *fakeStream) Trailer() metadata.MD         { return nil }

// fakeStreamer returns a grpc.Streamer that fails to open a stream with
// each of errs, then opens the fake streams of opened, in order.
func fakeStreamer(errs []error, opened ...*fakeStream) grpc.Streamer {
	return func(ctx context.Context, _ *grpc.StreamDesc, _ *grpc.ClientConn, _ string, _ ...grpc.CallOption) (grpc.ClientStream, error) {
		if len(errs) > 0 {
			err := errs[0]
			errs = errs[1:]
			return nil, err
		}
		f := opened[0]
		opened = opened[1:]
		f.ctx = ctx
		return f, nil
	}
}

func TestStreamThatFailsToOpen(t *testing.T) {
	down := status.Error(codes.Unavailable, "connection refused")
	f := &fakeStream{recv: []error{nil}}
	r := retrygrpc.New(fast)
	ctx := t.Context()

	cs, err := r.Stream(ctx, bidiDesc, nil, bidiMethod, fakeStreamer([]error{down, down}, f))
	if err != nil {
		t.Fatalf("Stream() = %v; want the failure left to RecvMsg", err)
	}
	// Until a stream opens, it takes what it is sent, and has no header.
	if err := cs.SendMsg(wrapperspb.String("a")); err != nil {
		t.Errorf("SendMsg() = %v", err)
	}
	cs.CloseSend()
	if md, err := cs.Header(); md != nil || err != nil {
		t.Errorf("Header() = %v, %v; want nil, nil", md, err)
	}
	if cs.Context() != ctx || cs.Trailer() != nil {
		t.Errorf("Context(), Trailer() = %v, %v; want the caller's context, nil", cs.Context(), cs.Trailer())
	}

	got, err := recvAll(cs)

	if diff := cmp.Diff([]string{"response"}, got); diff != "" || err != nil {
		t.Errorf("recvAll() = %v; messages (-want +got):\n%s", err, diff)
	}
	if diff := cmp.Diff([]string{"a"}, f.sent); diff != "" || !f.closed {
		t.Errorf("the stream that opened was sent (-want +got):\n%s; closed %v", diff, f.closed)
	}
	if cs.Context() == ctx || cs.Context().Err() == nil {
		t.Errorf("Context() = %v; want the stream's own, done once it ended", cs.Context())
	}
}

func TestStreamThatFailsToOpenAndOverflows(t *testing.T) {
	down := status.Error(codes.Unavailable, "connection refused")
	r := retrygrpc.New(fast, retrygrpc.ReplayLimit(4))

	cs, err := r.Stream(t.Context(), clientStreamDesc, nil, clientMethod, fakeStreamer([]error{down}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SendMsg(wrapperspb.String("too large to keep")); err != io.EOF {
		t.Errorf("SendMsg() = %v; want io.EOF", err)
	}
	if err := cs.RecvMsg(new(wrapperspb.StringValue)); err != down {
		t.Errorf("RecvMsg() = %v; want the failure to open, %v", err, down)
	}
}

func TestStreamThatFailsToOpenWhenTheContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cancelled := status.Error(codes.Canceled, "context canceled")
	r := retrygrpc.New(fast)

	cs, err := r.Stream(ctx, clientStreamDesc, nil, clientMethod, fakeStreamer([]error{cancelled}))
	if cs != nil || err != cancelled {
		t.Errorf("Stream() = %v, %v; want nil, %v", cs, err, cancelled)
	}
}

func TestSendFailureOfTheClientCommits(t *testing.T) {
	tooLarge := status.Error(codes.ResourceExhausted, "message too large")
	f := &fakeStream{sendErr: tooLarge, recv: []error{tooLarge}}
	r := retrygrpc.New(fast)

	cs, err := r.Stream(t.Context(), clientStreamDesc, nil, clientMethod, fakeStreamer(nil, f))
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SendMsg(wrapperspb.String("a")); err != tooLarge {
		t.Errorf("SendMsg() = %v; want %v", err, tooLarge)
	}
	// Not retried: RecvMsg returns what the stream says, as it is.
	if err := cs.RecvMsg(new(wrapperspb.StringValue)); err != tooLarge {
		t.Errorf("RecvMsg() = %v; want %v", err, tooLarge)
	}
}

func TestSendFailureOfTheStreamIsRetried(t *testing.T) {
	dead := &fakeStream{sendErr: io.EOF, recv: []error{status.Error(codes.Unavailable, "reset")}}
	fresh := &fakeStream{recv: []error{nil}}
	r := retrygrpc.New(fast)

	cs, err := r.Stream(t.Context(), clientStreamDesc, nil, clientMethod, fakeStreamer(nil, dead, fresh))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a", "b"} {
		if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
			t.Errorf("SendMsg(%q) = %v; want nil: RecvMsg retries", v, err)
		}
	}
	cs.CloseSend()
	got, err := recvAll(cs)

	if err != nil || strings.Join(got, ",") != "response" || strings.Join(fresh.sent, ",") != "a,b" || !fresh.closed {
		t.Errorf("recvAll() = %v, %v; the new stream was sent %v, closed %v", got, err, fresh.sent, fresh.closed)
	}
}
