package retrygrpc_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/eventtest"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
	"github.com/reflexio-go/reflexio/retry/retrygrpc"
)

// allCodes are the codes a failing call can have.
var allCodes = []codes.Code{
	codes.Canceled, codes.Unknown, codes.InvalidArgument, codes.DeadlineExceeded,
	codes.NotFound, codes.AlreadyExists, codes.PermissionDenied, codes.ResourceExhausted,
	codes.FailedPrecondition, codes.Aborted, codes.OutOfRange, codes.Unimplemented,
	codes.Internal, codes.Unavailable, codes.DataLoss, codes.Unauthenticated,
}

// wantClass is the class of every code, as the issue states it.
var wantClass = map[codes.Code]classify.Class{
	codes.Unavailable:        classify.Transient,
	codes.DeadlineExceeded:   classify.Transient,
	codes.ResourceExhausted:  classify.RateLimit,
	codes.Aborted:            classify.Concurrency,
	codes.Internal:           classify.ServerError,
	codes.Unknown:            classify.ServerError,
	codes.InvalidArgument:    classify.Permanent,
	codes.NotFound:           classify.Permanent,
	codes.AlreadyExists:      classify.Permanent,
	codes.PermissionDenied:   classify.Permanent,
	codes.Unauthenticated:    classify.Permanent,
	codes.FailedPrecondition: classify.Permanent,
	codes.OutOfRange:         classify.Permanent,
	codes.Unimplemented:      classify.Permanent,
	codes.DataLoss:           classify.Permanent,
	codes.Canceled:           classify.Permanent,
}

// TestEveryCodeOverLoopback fails one call with each code, then succeeds,
// and checks what the loop made of it.
func TestEveryCodeOverLoopback(t *testing.T) {
	checkLeaks(t)
	for _, c := range allCodes {
		t.Run(c.String(), func(t *testing.T) {
			s := newServer(t, fail(c), ok())
			rec := &observe.Recorder{}
			conn := dial(t, s, fast, retrygrpc.Retry(retry.Subscribe(rec)))

			got, err := unary(t.Context(), conn, "hi")

			class := wantClass[c]
			if class == classify.Permanent {
				if err == nil || status.Code(err) != c {
					t.Fatalf("unary() = %q, %v; want an error with code %v", got, err, c)
				}
				want := []eventtest.Event{{Kind: "permanent_failure", Op: unaryMethod, Attempt: 1, Class: class, Err: injected(c, 1)}}
				if diff := cmp.Diff(want, events(rec)); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil || got != "hi #2" {
				t.Fatalf("unary() = %q, %v; want %q, nil", got, err, "hi #2")
			}
			want := []eventtest.Event{
				{Kind: "retry", Op: unaryMethod, Attempt: 1, Class: class, Err: injected(c, 1)},
				{Kind: "success", Op: unaryMethod, Attempt: 2},
			}
			if diff := cmp.Diff(want, events(rec)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMaxAttemptsKeepsTheLastStatus(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), fail(codes.Internal))
	conn := dial(t, s, fast, retrygrpc.Retry(retry.MaxAttempts(3)))

	_, err := unary(t.Context(), conn, "hi")

	if !errors.Is(err, retry.ErrMaxAttempts) {
		t.Fatalf("unary() = %v; want retry.ErrMaxAttempts", err)
	}
	st := status.Convert(err)
	wantMsg := "retry: max attempts reached after 3 attempts: " + injected(codes.Internal, 3)
	if st.Code() != codes.Internal || st.Message() != wantMsg {
		t.Errorf("status = %v, %q; want Internal, %q", st.Code(), st.Message(), wantMsg)
	}
	if got := lastStatus(t, err); got.Message() != "injected Internal #3" {
		t.Errorf("last status message = %q", got.Message())
	}
	if err.Error() != wantMsg {
		t.Errorf("error text = %q; want %q", err, wantMsg)
	}
	if n := s.calls.Load(); n != 3 {
		t.Errorf("server calls = %d; want 3", n)
	}
}

func TestPushback(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name      string
		steps     []step
		opts      []retry.Option
		wantCalls int32
		wantErr   error // nil: the call succeeds
		wantDelay [2]time.Duration
	}{{
		name:      "positive: waited",
		steps:     []step{pushback(codes.Unavailable, "60"), ok()},
		opts:      []retry.Option{retry.MaxRetryAfter(time.Second)},
		wantCalls: 2,
		wantDelay: [2]time.Duration{60 * time.Millisecond, 66 * time.Millisecond}, // plus up to a tenth
	}, {
		name:      "positive with a rate limit",
		steps:     []step{pushback(codes.ResourceExhausted, "+40"), ok()},
		opts:      []retry.Option{retry.MaxRetryAfter(time.Second)},
		wantCalls: 2,
		wantDelay: [2]time.Duration{40 * time.Millisecond, 44 * time.Millisecond},
	}, {
		name:      "zero: no hint",
		steps:     []step{pushback(codes.Unavailable, "0"), ok()},
		wantCalls: 2,
	}, {
		name:      "huge: capped by MaxRetryAfter",
		steps:     []step{pushback(codes.Unavailable, "99999999999999999999999"), ok()},
		opts:      []retry.Option{retry.MaxRetryAfter(20 * time.Millisecond)},
		wantCalls: 2,
		wantDelay: [2]time.Duration{20 * time.Millisecond, 22 * time.Millisecond},
	}, {
		name:      "beyond the deadline: gives up at once",
		steps:     []step{pushback(codes.Unavailable, "5000")},
		opts:      []retry.Option{retry.MaxRetryAfter(time.Minute), retry.Deadline(time.Second)},
		wantCalls: 1,
		wantErr:   retry.ErrDeadline,
	}, {
		name:      "negative: not retried",
		steps:     []step{pushback(codes.Unavailable, "-1")},
		wantCalls: 1,
		wantErr:   retrygrpc.ErrPushback,
	}, {
		name:      "malformed: not retried",
		steps:     []step{pushback(codes.ResourceExhausted, "soon")},
		wantCalls: 1,
		wantErr:   retrygrpc.ErrPushback,
	}, {
		name:      "a fraction: not retried",
		steps:     []step{pushback(codes.Unavailable, "1.5")},
		wantCalls: 1,
		wantErr:   retrygrpc.ErrPushback,
	}, {
		name:      "empty: not retried",
		steps:     []step{pushback(codes.Unavailable, "")},
		wantCalls: 1,
		wantErr:   retrygrpc.ErrPushback,
	}, {
		name:      "two values: not retried",
		steps:     []step{pushback(codes.Unavailable, "10", "20")},
		wantCalls: 1,
		wantErr:   retrygrpc.ErrPushback,
	}, {
		name:      "on a permanent code: still permanent",
		steps:     []step{pushback(codes.NotFound, "10")},
		wantCalls: 1,
		wantErr:   retry.ErrPermanent,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.steps...)
			rec := &observe.Recorder{}
			conn := dial(t, s, fast, retrygrpc.Retry(tt.opts...), retrygrpc.Retry(retry.Subscribe(rec)))

			_, err := unary(t.Context(), conn, "hi")

			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("unary() = %v; want %v", err, tt.wantErr)
			}
			if n := s.calls.Load(); n != tt.wantCalls {
				t.Errorf("server calls = %d; want %d", n, tt.wantCalls)
			}
			for _, e := range rec.Events() {
				if r, ok := e.(observe.Retry); ok && (r.Delay < tt.wantDelay[0] || r.Delay > tt.wantDelay[1]) {
					t.Errorf("retry delay = %v; want within %v", r.Delay, tt.wantDelay)
				}
			}
			if errors.Is(err, retrygrpc.ErrPushback) {
				if !errors.Is(err, retry.ErrPermanent) || status.Code(err) != tt.steps[0].code {
					t.Errorf("error %v: want retry.ErrPermanent and code %v", err, tt.steps[0].code)
				}
			}
		})
	}
}

func TestPushbackRefusalText(t *testing.T) {
	s := newServer(t, pushback(codes.Unavailable, "-250"))
	conn := dial(t, s, fast)

	_, err := unary(t.Context(), conn, "hi")

	want := `retry: permanent error after 1 attempt: ` + injected(codes.Unavailable, 1) +
		` (not retried: grpc-retry-pushback-ms "-250")`
	if err == nil || err.Error() != want {
		t.Errorf("unary() = %v;\nwant %s", err, want)
	}
}

func TestStalledServerAndAttemptTimeout(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, stalled(), stalled(), ok())
	rec := &observe.Recorder{}
	conn := dial(t, s, fast, retrygrpc.Retry(retry.AttemptTimeout(100*time.Millisecond), retry.Subscribe(rec)))

	start := time.Now()
	got, err := unary(t.Context(), conn, "hi")

	if err != nil || got != "hi #3" {
		t.Fatalf("unary() = %q, %v; want %q, nil", got, err, "hi #3")
	}
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("elapsed %v; want two attempt timeouts, a little over 200ms", elapsed)
	}
	// The client's timer or the server's, which the attempt's deadline
	// reached too, may end the attempt first: only the code is certain.
	evs := events(rec)
	for i, e := range rec.Events() {
		if r, ok := e.(observe.Retry); ok {
			evs[i].Err = status.Code(r.Err).String()
		}
	}
	want := []eventtest.Event{
		{Kind: "retry", Op: unaryMethod, Attempt: 1, Class: classify.Transient, Err: "DeadlineExceeded"},
		{Kind: "retry", Op: unaryMethod, Attempt: 2, Class: classify.Transient, Err: "DeadlineExceeded"},
		{Kind: "success", Op: unaryMethod, Attempt: 3},
	}
	if diff := cmp.Diff(want, evs); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCallersDeadlineStopsTheLoop(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, stalled())
	// The default backoff: a server that ends the attempt at its deadline
	// a moment before the client does cannot make the loop retry.
	conn := dial(t, s)
	ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err := unary(ctx, conn, "hi")

	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("elapsed %v; want about 150ms", elapsed)
	}
	if !errors.Is(err, retry.ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unary() = %v; want retry.ErrDeadline and context.DeadlineExceeded", err)
	}
	if status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("status.Code = %v; want DeadlineExceeded", status.Code(err))
	}
	if re, ok := errors.AsType[*retry.Error](err); !ok || re.Attempts != 1 {
		t.Errorf("error %v; want a *retry.Error after 1 attempt", err)
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("server calls = %d; want 1", n)
	}
}

func TestCallersCancellation(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable))
	ctx, cancel := context.WithCancel(t.Context())
	cancelOnRetry := observe.Func(func(observe.Retry) { cancel() })
	conn := dial(t, s, retrygrpc.Retry(retry.Subscribe(cancelOnRetry)))

	_, err := unary(ctx, conn, "hi")

	if !errors.Is(err, retry.ErrCancelled) || status.Code(err) != codes.Canceled {
		t.Errorf("unary() = %v (code %v); want retry.ErrCancelled, Canceled", err, status.Code(err))
	}
	if lastStatus(t, err).Code() != codes.Unavailable {
		t.Errorf("the last attempt's status is lost: %v", err)
	}

	// Cancelled before the first attempt: as gRPC would say.
	_, err = unary(ctx, conn, "hi")
	if status.Code(err) != codes.Canceled || !errors.Is(err, context.Canceled) {
		t.Errorf("unary() = %v (code %v); want Canceled", err, status.Code(err))
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("server calls = %d; want 1", n)
	}
}

// TestRetryAtOneLayer nests an Interceptor's call in a retry loop of its
// own: the outer loop must not retry what the inner gave up on.
func TestRetryAtOneLayer(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable))
	conn := dial(t, s, fast, retrygrpc.Retry(retry.MaxAttempts(3)))

	outer := 0
	_, err := retry.Do(t.Context(), func(ctx context.Context) (string, error) {
		outer++
		return unary(ctx, conn, "hi")
	}, retry.MaxAttempts(3), retry.Classifier(classify.Chain(retrygrpc.Classifier(), classify.Default())))

	if outer != 1 || s.calls.Load() != 3 {
		t.Errorf("outer attempts = %d, server calls = %d; want 1, 3", outer, s.calls.Load())
	}
	if !errors.Is(err, retry.ErrPermanent) || !errors.Is(err, retry.ErrMaxAttempts) {
		t.Errorf("retry.Do = %v; want the outer ErrPermanent around the inner ErrMaxAttempts", err)
	}
}

func TestCallRetry(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), ok())
	conn := dial(t, s, fast)
	once := retrygrpc.CallRetry(retry.MaxAttempts(1))

	_, err := unary(t.Context(), conn, "create", once)

	if !errors.Is(err, retry.ErrMaxAttempts) || s.calls.Load() != 1 {
		t.Errorf("unary(CallRetry(MaxAttempts(1))) = %v after %d calls; want ErrMaxAttempts after 1", err, s.calls.Load())
	}
	got, err := unary(t.Context(), conn, "get")
	if err != nil || got != "get #2" {
		t.Errorf("unary() = %q, %v; want %q, nil", got, err, "get #2")
	}
}

func TestNameOfTheUser(t *testing.T) {
	s := newServer(t, fail(codes.Unavailable), ok())
	rec := &observe.Recorder{}
	conn := dial(t, s, fast, retrygrpc.Retry(retry.Name("echo.unary"), retry.Subscribe(rec)))

	if _, err := unary(t.Context(), conn, "hi"); err != nil {
		t.Fatal(err)
	}
	for _, e := range events(rec) {
		if e.Op != "echo.unary" {
			t.Errorf("event %+v; want the name echo.unary", e)
		}
	}
}

func TestClassifierOfTheUserReplacesTheDefault(t *testing.T) {
	s := newServer(t, fail(codes.NotFound), ok())
	notFoundIsTransient := classify.Func(func(err error) classify.Class {
		if status.Code(err) == codes.NotFound {
			return classify.Transient // the record is written by another service, soon
		}
		return classify.Unknown
	})
	conn := dial(t, s, fast, retrygrpc.Retry(retry.Classifier(classify.Chain(
		notFoundIsTransient, retrygrpc.Classifier(), classify.Default()))))

	if got, err := unary(t.Context(), conn, "hi"); err != nil || got != "hi #2" {
		t.Errorf("unary() = %q, %v; want %q, nil", got, err, "hi #2")
	}
}

func TestBudgets(t *testing.T) {
	checkLeaks(t)
	// 3 calls to a target that is down, each allowed 4 attempts. A budget
	// of (0, 2) allows 2 retries in all: the first call makes 3 attempts
	// and the others 1, and all three are refused a retry.
	tests := []struct {
		name        string
		opts        []retrygrpc.Option
		wantDown    int32 // calls the target that is down gets
		wantRefused int   // calls that end with ErrBudgetExhausted
	}{
		{"default budget is generous", nil, 12, 0},
		{"per target", []retrygrpc.Option{retrygrpc.BudgetPerTarget(0, 2)}, 5, 3},
		{"shared", []retrygrpc.Option{retrygrpc.Budget(retry.NewBudget(0, 2))}, 5, 3},
		{"none", []retrygrpc.Option{retrygrpc.NoBudget(), retrygrpc.BudgetPerTarget(0, 1), retrygrpc.NoBudget()}, 12, 0},
		{"retry.NoBudget overrides", []retrygrpc.Option{retrygrpc.BudgetPerTarget(0, 1), retrygrpc.Retry(retry.NoBudget())}, 12, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			down := newServer(t, fail(codes.Unavailable))
			up := newServer(t, fail(codes.Unavailable), ok())
			r := retrygrpc.New(append([]retrygrpc.Option{fast, retrygrpc.Retry(retry.MaxAttempts(4))}, tt.opts...)...)
			downConn, upConn := dialWith(t, down, r), dialWith(t, up, r)

			refused := 0
			for range 3 {
				if _, err := unary(t.Context(), downConn, "hi"); errors.Is(err, retry.ErrBudgetExhausted) {
					refused++
				}
			}
			if n := down.calls.Load(); n != tt.wantDown || refused != tt.wantRefused {
				t.Errorf("down: %d calls, %d refused; want %d, %d", n, refused, tt.wantDown, tt.wantRefused)
			}

			// Another target has a budget of its own, unless it is shared.
			_, err := unary(t.Context(), upConn, "hi")
			if shared := tt.name == "shared"; shared != errors.Is(err, retry.ErrBudgetExhausted) {
				t.Errorf("up: unary() = %v; want a refusal only with a shared budget", err)
			}
		})
	}
}

func TestBudgetPerTargetIsKeptAcrossClientConns(t *testing.T) {
	s := newServer(t, fail(codes.Unavailable))
	r := retrygrpc.New(fast, retrygrpc.BudgetPerTarget(0, 1), retrygrpc.Retry(retry.MaxAttempts(3)))
	first, second := dialWith(t, s, r), dialWith(t, s, r)

	unary(t.Context(), first, "hi") // spends the one retry
	_, err := unary(t.Context(), second, "hi")

	if !errors.Is(err, retry.ErrBudgetExhausted) {
		t.Errorf("unary() on a second ClientConn to the same target = %v; want ErrBudgetExhausted", err)
	}
	if status.Code(err) != codes.Unavailable {
		t.Errorf("status.Code = %v; want the last attempt's, Unavailable", status.Code(err))
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []retrygrpc.Option
		want string
	}{
		{"nil option", []retrygrpc.Option{nil}, "retrygrpc: Option: option 0 is nil"},
		{"nil retry option", []retrygrpc.Option{retrygrpc.Retry(retry.MaxAttempts(2), nil)}, "retrygrpc: Retry(MaxAttempts(2), <nil>): option 1 is nil"},
		{"nil budget", []retrygrpc.Option{retrygrpc.Budget(nil)}, "retrygrpc: Budget(<nil>): budget is nil (NoBudget lifts the budget)"},
		{"negative replay limit", []retrygrpc.Option{retrygrpc.ReplayLimit(-1)}, "retrygrpc: ReplayLimit(-1): must not be negative"},
		{"nil idempotency rule", []retrygrpc.Option{retrygrpc.Idempotent(nil)}, "retrygrpc: Idempotent(nil): rule is nil"},
		{"invalid retry option", []retrygrpc.Option{retrygrpc.Retry(retry.MaxAttempts(0))}, "retry: MaxAttempts(0): must be at least 1"},
		{"invalid budget", []retrygrpc.Option{retrygrpc.BudgetPerTarget(-1, 10)}, "retry: Budget(-1, 10): ratio -1 must be within [0, 1000]"},
		{"invalid breaker config", []retrygrpc.Option{retrygrpc.BreakerPerTarget(breaker.Config{MinCalls: -1})}, "retrygrpc: BreakerPerTarget({MinCalls:-1}): breaker: invalid config: MinCalls -1 must not be negative"},
		{"the first one counts", []retrygrpc.Option{retrygrpc.ReplayLimit(-1), nil}, "retrygrpc: ReplayLimit(-1): must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, ok())
			conn := dial(t, s, tt.opts...)

			_, err := unary(t.Context(), conn, "hi")
			if !errors.Is(err, retry.ErrInvalidOption) || err.Error() != tt.want {
				t.Errorf("unary() = %v; want %s", err, tt.want)
			}
			if status.Code(err) != codes.Internal {
				t.Errorf("status.Code = %v; want Internal", status.Code(err))
			}
			if n := s.calls.Load(); n != 0 {
				t.Errorf("server calls = %d; want none", n)
			}
			// A stream fails at NewStream, or, for an option that only
			// package retry can judge, at its first RecvMsg.
			_, err = serverStream(t.Context(), conn, "hi")
			if !errors.Is(err, retry.ErrInvalidOption) {
				t.Errorf("serverStream() = %v; want ErrInvalidOption", err)
			}
		})
	}
}

func TestOptionStrings(t *testing.T) {
	b := retry.NewBudget(0.5, 3)
	tests := []struct {
		o    interface{ String() string }
		want string
	}{
		{retrygrpc.Retry(retry.MaxAttempts(3), retry.Name("x")), `Retry(MaxAttempts(3), Name("x"))`},
		{retrygrpc.BudgetPerTarget(0.2, 5), "BudgetPerTarget(0.2, 5)"},
		{retrygrpc.Budget(b), "Budget(Budget(0.5, 3))"},
		{retrygrpc.NoBudget(), "NoBudget()"},
		{retrygrpc.ReplayLimit(1024), "ReplayLimit(1024)"},
		{retrygrpc.BreakerPerTarget(breaker.Config{}), "BreakerPerTarget({})"},
		{retrygrpc.BreakerPerTarget(breaker.Config{Name: "users", HalfOpenProbes: 2}), `BreakerPerTarget({Name:"users" HalfOpenProbes:2})`},
		{retrygrpc.CallRetry(retry.MaxAttempts(1)).(interface{ String() string }), "CallRetry(MaxAttempts(1))"},
		{retrygrpc.Idempotent(retrygrpc.IsIdempotent), "Idempotent(…)"},
		{retrygrpc.CallIdempotent(true).(interface{ String() string }), "CallIdempotent(true)"},
		{retrygrpc.CallIdempotent(false).(interface{ String() string }), "CallIdempotent(false)"},
		{retrygrpc.Classifier().(interface{ String() string }), "retrygrpc.Classifier()"},
	}
	for _, tt := range tests {
		if got := tt.o.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}

// TestConcurrentCalls shares one Interceptor, its budgets and a subscriber
// among goroutines, for the race detector.
func TestConcurrentCalls(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), ok(), fail(codes.Aborted), ok())
	rec := &observe.Recorder{}
	conn := dial(t, s, fast, retrygrpc.Retry(retry.MaxAttempts(10), retry.Subscribe(rec)), retrygrpc.NoBudget())

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := unary(t.Context(), conn, "hi"); err != nil {
					t.Error(err)
				}
				if _, err := serverStream(t.Context(), conn, "hi"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := rec.Count(observe.KindSuccess); n != 160 {
		t.Errorf("successes = %d; want 160", n)
	}
}

func TestZeroInterceptor(t *testing.T) {
	checkLeaks(t)
	s := newServer(t, fail(codes.Unavailable), ok())
	conn := dialWith(t, s, &retrygrpc.Interceptor{})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()

	// The default backoff waits 250ms at most before the second attempt.
	if got, err := unary(ctx, conn, "hi"); err != nil || got != "hi #2" {
		t.Errorf("unary() = %q, %v; want %q, nil", got, err, "hi #2")
	}
}
