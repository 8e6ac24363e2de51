package retry_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// A hedgeStep is what one attempt of a hedgeOp does: after takes, then
// returns v and err; or panics, if panics. With stubborn, it ignores its
// context being cancelled; otherwise it returns ctx's error at once.
type hedgeStep struct {
	after    time.Duration
	v        int
	err      error
	stubborn bool
	panics   bool
}

// hedgeOp runs its steps, one per attempt in the order they start, and
// keeps what each attempt did, in fake time from the bubble's start.
type hedgeOp struct {
	t     *testing.T
	start time.Time
	steps []hedgeStep

	mu        sync.Mutex
	began     []time.Duration
	ended     []time.Duration
	cancelled []bool
}

func newHedgeOp(t *testing.T, steps ...hedgeStep) *hedgeOp {
	return &hedgeOp{t: t, start: time.Now(), steps: steps}
}

func (o *hedgeOp) do(ctx context.Context) (int, error) {
	o.mu.Lock()
	i := len(o.began)
	if i >= len(o.steps) {
		o.mu.Unlock()
		o.t.Errorf("attempt %d started; want at most %d", i+1, len(o.steps))
		return 0, classify.MarkPermanent(errors.New("too many attempts"))
	}
	o.began = append(o.began, time.Since(o.start))
	o.ended = append(o.ended, -1)
	o.cancelled = append(o.cancelled, false)
	o.mu.Unlock()
	s := o.steps[i]
	end := func(cancelled bool) {
		o.mu.Lock()
		o.ended[i], o.cancelled[i] = time.Since(o.start), cancelled
		o.mu.Unlock()
	}
	t := time.NewTimer(s.after)
	defer t.Stop()
	done := ctx.Done()
	if s.stubborn {
		done = nil
	}
	select {
	case <-t.C:
		end(ctx.Err() != nil)
		if s.panics {
			panic(errPanic)
		}
		return s.v, s.err
	case <-done:
		end(true)
		return 0, ctx.Err()
	}
}

// record returns when each attempt began and ended, and which were
// cancelled.
func (o *hedgeOp) record() (began, ended []time.Duration, cancelled []bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.began), slices.Clone(o.ended), slices.Clone(o.cancelled)
}

func ms(n ...int) []time.Duration {
	var ds []time.Duration
	for _, m := range n {
		ds = append(ds, time.Duration(m)*time.Millisecond)
	}
	return ds
}

var errFailed = errors.New("server error")

// TestHedgeOrderings runs hedged calls through every order of finishes,
// failures and cancellations that the rules name, on fake time, and checks
// what the call returns, when, and what became of every attempt: when it
// began and ended, whether it was cancelled, which values were released.
func TestHedgeOrderings(t *testing.T) {
	const second = 1000
	transientErr := classify.MarkTransient(errFailed)
	permanentErr := classify.MarkPermanent(errFailed)
	tests := []struct {
		name      string
		opts      []retry.Option
		steps     []hedgeStep
		cancelAt  time.Duration // the caller cancels then; 0: never
		wantV     int
		wantErr   error // matched with errors.Is; nil: success
		wantAt    time.Duration
		began     []time.Duration
		ended     []time.Duration
		cancelled []bool
		released  []int
	}{
		{
			name:  "first answers before the delay: no hedge",
			opts:  []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{{after: 10 * time.Millisecond, v: 1}},
			wantV: 1, wantAt: 10 * time.Millisecond,
			began: ms(0), ended: ms(10), cancelled: []bool{false},
		},
		{
			name: "hedge wins, first cancelled",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{
				{after: time.Second, v: 1},
				{after: 10 * time.Millisecond, v: 2},
			},
			wantV: 2, wantAt: 60 * time.Millisecond,
			began: ms(0, 50), ended: ms(60, 60), cancelled: []bool{true, false},
		},
		{
			name: "first wins after the hedge started, hedge cancelled",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{
				{after: 80 * time.Millisecond, v: 1},
				{after: 100 * time.Millisecond, v: 2},
			},
			wantV: 1, wantAt: 80 * time.Millisecond,
			began: ms(0, 50), ended: ms(80, 80), cancelled: []bool{false, true},
		},
		{
			name: "a loser that ignores cancellation is awaited and its value released",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{
				{after: 200 * time.Millisecond, v: 1, stubborn: true},
				{after: 10 * time.Millisecond, v: 2},
			},
			wantV: 2, wantAt: 200 * time.Millisecond,
			began: ms(0, 50), ended: ms(200, 60), cancelled: []bool{true, false},
			released: []int{1},
		},
		{
			name: "max bounds the attempts in flight",
			opts: []retry.Option{retry.Hedge(10*time.Millisecond, 3)},
			steps: []hedgeStep{
				{after: second * time.Millisecond, v: 1},
				{after: second * time.Millisecond, v: 2},
				{after: second * time.Millisecond, v: 3},
			},
			wantV: 1, wantAt: time.Second,
			began: ms(0, 10, 20), ended: ms(1000, 1000, 1000), cancelled: []bool{false, true, true},
		},
		{
			name: "MaxAttempts counts hedges",
			opts: []retry.Option{retry.Hedge(10*time.Millisecond, 3), retry.MaxAttempts(2)},
			steps: []hedgeStep{
				{after: time.Second, v: 1},
				{after: time.Second, v: 2},
			},
			wantV: 1, wantAt: time.Second,
			began: ms(0, 10), ended: ms(1000, 1000), cancelled: []bool{false, true},
		},
		{
			name: "a Permanent failure ends the call and cancels the others",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{
				{after: time.Second, v: 1},
				{after: 10 * time.Millisecond, err: permanentErr},
			},
			wantErr: retry.ErrPermanent, wantAt: 60 * time.Millisecond,
			began: ms(0, 50), ended: ms(60, 60), cancelled: []bool{true, false},
		},
		{
			name: "a retryable failure with others in flight starts the next at once",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{
				{after: time.Second, v: 1},
				{after: 10 * time.Millisecond, err: transientErr},
				{after: 10 * time.Millisecond, v: 3},
			},
			wantV: 3, wantAt: 70 * time.Millisecond,
			began: ms(0, 50, 60), ended: ms(70, 60, 70), cancelled: []bool{true, false, false},
		},
		{
			name: "a failure with none in flight waits as the loop does, then hedges again",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2), retry.Backoff(backoff.Constant(100 * time.Millisecond))},
			steps: []hedgeStep{
				{after: 10 * time.Millisecond, err: transientErr},
				{after: time.Second, v: 2},
				{after: 10 * time.Millisecond, v: 3},
			},
			wantV: 3, wantAt: 170 * time.Millisecond,
			began: ms(0, 110, 160), ended: ms(10, 170, 170), cancelled: []bool{false, true, false},
		},
		{
			name: "every attempt fails: the call gives up with the last error",
			opts: []retry.Option{retry.Hedge(10*time.Millisecond, 2), retry.MaxAttempts(2)},
			steps: []hedgeStep{
				{after: 30 * time.Millisecond, err: transientErr},
				{after: 30 * time.Millisecond, err: transientErr},
			},
			wantErr: retry.ErrMaxAttempts, wantAt: 40 * time.Millisecond,
			began: ms(0, 10), ended: ms(30, 40), cancelled: []bool{false, false},
		},
		{
			name: "the budget refuses a hedge: none starts, the one in flight goes on",
			opts: []retry.Option{retry.Hedge(10*time.Millisecond, 3), retry.NewBudget(0, 1)},
			steps: []hedgeStep{
				{after: time.Second, v: 1},
				{after: time.Second, v: 2},
			},
			wantV: 1, wantAt: time.Second,
			began: ms(0, 10), ended: ms(1000, 1000), cancelled: []bool{false, true},
		},
		{
			name: "the caller cancels: every attempt is cancelled and awaited",
			opts: []retry.Option{retry.Hedge(50*time.Millisecond, 2)},
			steps: []hedgeStep{
				{after: time.Second, v: 1},
				{after: time.Second, v: 2, stubborn: true},
			},
			cancelAt: 75 * time.Millisecond,
			wantErr:  retry.ErrCancelled, wantAt: 1050 * time.Millisecond,
			began: ms(0, 50), ended: ms(75, 1050), cancelled: []bool{true, true},
			released: []int{2},
		},
		{
			name: "a rejected value ends the round like a failure",
			opts: []retry.Option{
				retry.Hedge(50*time.Millisecond, 2), retry.Backoff(backoff.Constant(0)),
				retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v == 1 }),
			},
			steps: []hedgeStep{
				{after: 10 * time.Millisecond, v: 1},
				{after: 10 * time.Millisecond, v: 2},
			},
			wantV: 2, wantAt: 20 * time.Millisecond,
			began: ms(0, 10), ended: ms(10, 20), cancelled: []bool{false, false},
			released: []int{1}, // superseded by the success, not returned
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := newHedgeOp(t, tt.steps...)
				var mu sync.Mutex
				var released []int
				opts := append(slices.Clone(tt.opts), retry.HedgeRelease(func(v int) {
					mu.Lock()
					released = append(released, v)
					mu.Unlock()
				}))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.cancelAt > 0 {
					time.AfterFunc(tt.cancelAt, cancel)
				}
				synctest.Wait()
				before := bubbleGoroutines()
				v, err := retry.DoHedged(ctx, op.do, opts...)
				at := time.Since(op.start)
				switch {
				case tt.wantErr == nil && (err != nil || v != tt.wantV):
					t.Errorf("Do() = %v, %v; want %v, nil", v, err, tt.wantV)
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Errorf("Do() = %v, %v; want an error matching %v", v, err, tt.wantErr)
				}
				if at != tt.wantAt {
					t.Errorf("Do returned at %v; want %v", at, tt.wantAt)
				}
				began, ended, cancelled := op.record()
				if diff := cmp.Diff(tt.began, began); diff != "" {
					t.Errorf("attempts began (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.ended, ended); diff != "" {
					t.Errorf("attempts ended (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.cancelled, cancelled); diff != "" {
					t.Errorf("attempts cancelled (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tt.released, released); diff != "" {
					t.Errorf("values released (-want +got):\n%s", diff)
				}
				synctest.Wait() // the attempts have sent their outcomes: let them return
				if after := bubbleGoroutines(); after != before {
					t.Errorf("%d goroutines in the bubble after Do returned; want %d, as before", after, before)
				}
			})
		})
	}
}

// callHedged runs DoHedged and returns what it returned, or what it
// panicked with.
func callHedged(ctx context.Context, op func(context.Context) (int, error), opts ...retry.Option) (panicked any, err error) {
	defer func() { panicked = recover() }()
	_, err = retry.DoHedged(ctx, op, opts...)
	return nil, err
}

// TestHedgePanicIsRaisedOnTheCallerOnceTheOthersReturned: a panic in a
// hedge's goroutine, or in the first attempt on the caller's, is not lost,
// and does not leave the other attempts running.
func TestHedgePanicIsRaisedOnTheCallerOnceTheOthersReturned(t *testing.T) {
	tests := []struct {
		name  string
		steps []hedgeStep
		at    time.Duration // when the other attempt returns
	}{
		{"in a hedge", []hedgeStep{
			{after: 200 * time.Millisecond, v: 1, stubborn: true},
			{after: 10 * time.Millisecond, panics: true},
		}, 200 * time.Millisecond},
		{"in the first attempt", []hedgeStep{
			{after: 60 * time.Millisecond, panics: true},
			{after: 200 * time.Millisecond, v: 2, stubborn: true},
		}, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				op := newHedgeOp(t, tt.steps...)
				synctest.Wait()
				before := bubbleGoroutines()
				p, _ := callHedged(t.Context(), op.do, retry.Hedge(50*time.Millisecond, 2))
				if p != errPanic {
					t.Errorf("DoHedged panicked with %v; want %v", p, errPanic)
				}
				if at := time.Since(op.start); at != tt.at {
					t.Errorf("DoHedged panicked at %v; want %v, once the other attempt returned", at, tt.at)
				}
				synctest.Wait()
				if after := bubbleGoroutines(); after != before {
					t.Errorf("%d goroutines in the bubble after DoHedged panicked; want %d, as before", after, before)
				}
			})
		})
	}
}

func TestHedgeRejectsInvalidValues(t *testing.T) {
	ok := func(context.Context) (int, error) { return 1, nil }
	tests := []struct {
		opts []retry.Option
		want string
	}{
		{[]retry.Option{retry.Hedge(-time.Second, 2)}, "Hedge(-1s, 2): delay must not be negative"},
		{[]retry.Option{retry.Hedge(time.Second, 1)}, "Hedge(1s, 1): max must be at least 2"},
		{[]retry.Option{retry.HedgeRelease(func(string) {})}, "HedgeRelease[string](…): releases values of type string, but DoHedged returns int"},
		{[]retry.Option{retry.HedgeRelease[int](nil)}, "HedgeRelease[int](…): func is nil"},
		{[]retry.Option{retry.Options(retry.HedgeRelease(func(string) {}))}, "releases values of type string, but DoHedged returns int"},
	}
	for _, tt := range tests {
		_, err := retry.DoHedged(context.Background(), ok, tt.opts...)
		if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DoHedged(%v) = %v; want ErrInvalidOption, saying %q", tt.opts, err, tt.want)
		}
	}
}

// TestDoAndRunRefuseHedging: Do and Run, whose op stays on the caller's
// stack, do not hedge: given Hedge or HedgeRelease, alone or in a bundle,
// they fail with one error that names DoHedged, and call no op.
func TestDoAndRunRefuseHedging(t *testing.T) {
	for _, opt := range []retry.Option{
		retry.Hedge(time.Millisecond, 2),
		retry.Options(retry.MaxAttempts(3), retry.Hedge(time.Millisecond, 2)),
		retry.HedgeRelease(func(int) {}),
	} {
		calls := 0
		_, err := retry.Do(context.Background(), func(context.Context) (int, error) { calls++; return 1, nil }, opt)
		if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), "retry.DoHedged") || calls != 0 {
			t.Errorf("Do(%v) = %v after %d calls; want ErrInvalidOption naming retry.DoHedged, and no call", opt, err, calls)
		}
		err = retry.Run(context.Background(), func(context.Context) error { calls++; return nil }, opt)
		if !errors.Is(err, retry.ErrInvalidOption) || !strings.Contains(err.Error(), "retry.DoHedged") || calls != 0 {
			t.Errorf("Run(%v) = %v after %d calls; want ErrInvalidOption naming retry.DoHedged, and no call", opt, err, calls)
		}
	}
}

// TestDoHedgedWithoutHedgeIsDo: without Hedge, DoHedged retries one
// attempt at a time, as Do does.
func TestDoHedgedWithoutHedgeIsDo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := newHedgeOp(t,
			hedgeStep{after: time.Second, err: classify.MarkTransient(errFailed)},
			hedgeStep{after: time.Second, v: 2},
		)
		v, err := retry.DoHedged(t.Context(), op.do, retry.Backoff(backoff.Constant(0)))
		began, _, _ := op.record()
		if err != nil || v != 2 || !slices.Equal(began, ms(0, 1000)) {
			t.Errorf("DoHedged() = %v, %v, attempts began at %v; want 2, nil, [0s 1s]", v, err, began)
		}
	})
}

// TestHedgeAsksTheBreaker: a Breaker is asked before each hedge. One that
// refuses (half-open, its one probe in flight) starts no hedge and cancels
// nothing: the probe goes on and decides the call.
func TestHedgeAsksTheBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := tripped(t)
		time.Sleep(4 * time.Second) // the break ends: one probe at a time
		op := newHedgeOp(t, hedgeStep{after: time.Second, v: 1}, hedgeStep{after: 10 * time.Millisecond, v: 2})
		v, err := retry.DoHedged(t.Context(), op.do, retry.Breaker(b), retry.Hedge(50*time.Millisecond, 2))
		began, _, cancelled := op.record()
		if err != nil || v != 1 || !slices.Equal(began, ms(0)) || cancelled[0] {
			t.Errorf("DoHedged() = %v, %v; attempts began at %v, cancelled %v; want 1, nil from the probe alone, not cancelled", v, err, began, cancelled)
		}
		if b.State() != observe.BreakerClosed {
			t.Errorf("breaker %v after the probe succeeded; want closed", b.State())
		}
	})
}

// TestHedgeEvents: a round whose hedge wins tells of the hedge, the win
// and the loser cancelled, then of the success, on the caller's goroutine,
// with the times they happened; a round that needed no hedge tells only of
// its success.
func TestHedgeEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := newHedgeOp(t, hedgeStep{after: time.Second, v: 1}, hedgeStep{after: 10 * time.Millisecond, v: 2},
			hedgeStep{after: 10 * time.Millisecond, v: 3})
		var rec observe.Recorder
		opts := []retry.Option{retry.Name("users.get"), retry.Hedge(50*time.Millisecond, 2), retry.Subscribe(&rec)}
		if v, err := retry.DoHedged(t.Context(), op.do, opts...); err != nil || v != 2 {
			t.Fatalf("DoHedged() = %v, %v; want 2, nil", v, err)
		}
		if v, err := retry.DoHedged(t.Context(), op.do, opts...); err != nil || v != 3 {
			t.Fatalf("second DoHedged() = %v, %v; want 3, nil", v, err)
		}
		want := []observe.Event{
			observe.HedgeStarted{Operation: "users.get", Attempt: 2, InFlight: 2, Elapsed: 50 * time.Millisecond},
			observe.HedgeWon{Operation: "users.get", Attempt: 2, Hedge: true, Elapsed: 60 * time.Millisecond},
			observe.HedgeCancelled{Operation: "users.get", Attempt: 2, Losers: 1, Elapsed: 60 * time.Millisecond},
			observe.Success{Operation: "users.get", Attempt: 2, Elapsed: 60 * time.Millisecond},
			observe.Success{Operation: "users.get", Attempt: 1, Elapsed: 10 * time.Millisecond},
		}
		if diff := cmp.Diff(want, rec.Events()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestHedgeDelayAndFirstAnswerAtOnce: when the first attempt answers at
// the very instant the delay passes, either no hedge starts or one starts
// and is cancelled at once; either way the call returns the first's value
// then, and leaves no goroutine behind, the timer's included; and the next
// rounds of the call are not disturbed by that timer.
func TestHedgeDelayAndFirstAnswerAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		transientErr := classify.MarkTransient(errFailed)
		op := newHedgeOp(t,
			hedgeStep{after: 50 * time.Millisecond, err: transientErr},
			hedgeStep{after: 50 * time.Millisecond, err: transientErr}, // if it starts, cancelled at once
			hedgeStep{after: 50 * time.Millisecond, v: 3},
			hedgeStep{after: 50 * time.Millisecond, v: 4},
		)
		synctest.Wait()
		before := bubbleGoroutines()
		v, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(50*time.Millisecond, 2), retry.Backoff(backoff.Constant(0)),
			retry.MaxAttempts(4))
		if err != nil || (v != 3 && v != 4) {
			t.Errorf("DoHedged() = %v, %v; want 3 or 4, nil", v, err)
		}
		synctest.Wait()
		if after := bubbleGoroutines(); after != before {
			t.Errorf("%d goroutines in the bubble after DoHedged returned; want %d, as before", after, before)
		}
	})
}

// A value that a result classifier rejected, and that a later attempt
// supersedes, is not returned: it goes to the release function, as a
// loser's does, so that a value that holds a resource is not dropped.
func TestHedgeReleasesSupersededRejectedValues(t *testing.T) {
	for _, tt := range []struct {
		name     string
		values   []int // one per attempt; below 10, rejected
		want     int
		released []int
	}{
		{"success after two rejections", []int{1, 2, 30}, 30, []int{1, 2}},
		{"giving up after three rejections", []int{1, 2, 3}, 3, []int{1, 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n := 0
				var released []int
				got, _ := retry.DoHedged(t.Context(), func(context.Context) (int, error) {
					n++
					return tt.values[n-1], nil
				},
					retry.Hedge(time.Hour, 2), retry.MaxAttempts(3), retry.Backoff(backoff.Constant(0)),
					retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v < 10 }),
					retry.HedgeRelease(func(v int) { released = append(released, v) }))
				if got != tt.want || !slices.Equal(released, tt.released) {
					t.Errorf("DoHedged = %d, released %v; want %d, released %v", got, released, tt.want, tt.released)
				}
			})
		})
	}
}

// BenchmarkHedgeFired is a hedged call whose first attempt does not answer
// before the delay (0): the timer's goroutine coordinates the round, the
// hedge runs on a goroutine of its own and wins at once, and the first
// attempt, cancelled, returns.
func BenchmarkHedgeFired(b *testing.B) {
	ctx := context.Background()
	var n atomic.Int64
	op := func(ctx context.Context) (int, error) {
		if n.Add(1)%2 == 1 { // the first to start waits until the other has won
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 1, nil
	}
	hedged := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Hedge(0, 2))
	b.ReportAllocs()
	for b.Loop() {
		n.Store(0)
		if v, err := retry.DoHedged(ctx, op, hedged); v != 1 || err != nil {
			b.Fatalf("DoHedged() = %v, %v; want 1, nil", v, err)
		}
	}
}

// TestHedgesAreNotPaidBackBySuccess: a hedge is extra load, not a repair,
// so no success pays a hedge back: with a Budget of ratio 0 and burst 1,
// one call may hedge, and the calls after it may not, whichever attempt
// won, though every call succeeds. Were hedges paid back by successes, a
// downstream that is slow but never fails, an overload, would have every
// hedge paid for and the Budget would bound nothing. A failed attempt that
// a hedged call replaces at once is a retry, and a success pays it back.
func TestHedgesAreNotPaidBackBySuccess(t *testing.T) {
	for _, tt := range []struct {
		name  string
		steps []hedgeStep // of each call
		began []time.Duration
	}{
		{"the first attempt wins over its hedge", []hedgeStep{{after: 20 * time.Millisecond, v: 1}, {after: time.Second, v: 2}}, ms(0, 10)},
		{"the hedge wins", []hedgeStep{{after: time.Second, v: 1}, {after: 5 * time.Millisecond, v: 2}}, ms(0, 10)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b := retry.NewBudget(0, 1)
				for call := range 3 {
					op := newHedgeOp(t, tt.steps...)
					if _, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 2), b); err != nil {
						t.Fatalf("call %d: DoHedged: %v", call, err)
					}
					want := tt.began
					if call > 0 {
						want = want[:1] // the Budget refuses the hedge
					}
					began, _, _ := op.record()
					if diff := cmp.Diff(want, began); diff != "" {
						t.Errorf("call %d: attempts began (-want +got):\n%s", call, diff)
					}
					synctest.Wait() // the losers have returned
				}
			})
		})
	}
	t.Run("a failed attempt replaced at once is a retry, not a hedge", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := retry.NewBudget(0, 2) // two hedges, and two retries
			// The first call hedges at 10ms; its first attempt fails at
			// 15ms, while the hedge is in flight, and a retry replaces it
			// at once, which wins at 20ms. The second call may still
			// hedge, the third not: only one hedge was spent on the first.
			calls := [][]hedgeStep{
				{{after: 15 * time.Millisecond, err: classify.MarkTransient(errFailed)}, {after: time.Second, v: 2}, {after: 5 * time.Millisecond, v: 3}},
				{{after: 20 * time.Millisecond, v: 1}, {after: time.Second, v: 2}},
				{{after: 20 * time.Millisecond, v: 1}, {after: time.Second, v: 2}},
			}
			wants := [][]time.Duration{ms(0, 10, 15), ms(0, 10), ms(0)}
			for i, steps := range calls {
				op := newHedgeOp(t, steps...)
				if _, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 2), b); err != nil {
					t.Fatalf("call %d: DoHedged: %v", i, err)
				}
				synctest.Wait()
				began, _, _ := op.record()
				if diff := cmp.Diff(wants[i], began); diff != "" {
					t.Errorf("call %d: attempts began (-want +got):\n%s", i, diff)
				}
			}
		})
	})
}

// TestHedgeFailureOpensTheBreakerBeforeTheNextAttempt: a hedge that fails
// in a way that opens the breaker is told to it before the call decides
// whether to replace it at once, so that the replacement asks an open
// breaker and does not start. Here the breaker opens at the first counted
// failure; the hedge fails at 15ms while the first attempt is in flight.
func TestHedgeFailureOpensTheBreakerBeforeTheNextAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 1, BreakDuration: 4 * time.Second})
		op := newHedgeOp(t,
			hedgeStep{after: 100 * time.Millisecond, v: 1},
			hedgeStep{after: 5 * time.Millisecond, err: classify.MarkTransient(errFailed)},
			hedgeStep{after: 5 * time.Millisecond, v: 3},
		)
		v, err := retry.DoHedged(t.Context(), op.do, retry.Breaker(b), retry.Hedge(10*time.Millisecond, 2))
		began, _, _ := op.record()
		if err != nil || v != 1 || !slices.Equal(began, ms(0, 10)) {
			t.Errorf("DoHedged() = %v, %v; attempts began at %v; want 1, nil, attempts at [0s 10ms]: no attempt after the breaker opened", v, err, began)
		}
	})
}

// TestHedgePushbackStopsHedgesForTheRound: a failure that carries the
// server's pushback (a Retry-After hint) starts no attempt at once, and no
// hedge starts after it in its round: the attempts in flight go on, and
// when every one has failed the call waits for the hint, as after one
// failed attempt, though the one that failed last carried no hint.
func TestHedgePushbackStopsHedgesForTheRound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		op := newHedgeOp(t,
			hedgeStep{after: 100 * time.Millisecond, err: classify.MarkTransient(errFailed)},
			hedgeStep{after: 5 * time.Millisecond, err: classify.MarkRateLimit(errFailed, time.Second)},
			hedgeStep{after: 5 * time.Millisecond, v: 3},
		)
		v, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 3), retry.Backoff(backoff.Constant(0)))
		began, _, _ := op.record()
		if err != nil || v != 3 || len(began) != 3 || began[1] != 10*time.Millisecond || began[2] < 1100*time.Millisecond {
			t.Errorf("DoHedged() = %v, %v; attempts began at %v; want 3, nil, the third after the round (100ms) and the hint (1s)", v, err, began)
		}
	})
}

// TestHedgePushbackKeepsTheLastRejectedValue: a round that a pushback
// stopped, whose last attempt returned a value that a result classifier
// rejected, still returns that value, unreleased, as Do returns the last
// value it rejected.
func TestHedgePushbackKeepsTheLastRejectedValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pushed := classify.MarkRateLimit(errors.New("busy"), time.Second)
		op := newHedgeOp(t,
			hedgeStep{after: 15 * time.Millisecond, err: pushed},
			hedgeStep{after: 20 * time.Millisecond, v: 5}, // the hedge, at 10ms, rejected at 30ms
		)
		var released []int
		v, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 2), retry.MaxAttempts(2),
			retry.ClassifyResult(func(v int) (classify.Class, bool) { return classify.Transient, v == 5 }),
			retry.HedgeRelease(func(v int) { released = append(released, v) }))
		if v != 5 || !errors.Is(err, retry.ErrRejected) || len(released) != 0 {
			t.Errorf("DoHedged() = %v, %v; released %v; want 5, an error matching ErrRejected, nothing released", v, err, released)
		}
	})
}

// TestHedgeRoundTellsTheBreakerOfItsFirstAttemptAtOnce: once a round has
// hedged, the breaker hears of its first attempt when that attempt ends,
// not when the round does: a failure of the first attempt that opens the
// breaker stops the attempt that would replace it, and a failure that
// came before the hedge's success is not counted after it.
func TestHedgeRoundTellsTheBreakerOfItsFirstAttemptAtOnce(t *testing.T) {
	t.Run("its failure stops its replacement", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 1, BreakDuration: time.Hour})
			op := newHedgeOp(t,
				hedgeStep{after: 20 * time.Millisecond, err: classify.MarkTransient(errFailed)},
				hedgeStep{after: 100 * time.Millisecond, v: 2},
				hedgeStep{after: 5 * time.Millisecond, v: 3},
			)
			v, err := retry.DoHedged(t.Context(), op.do, retry.Breaker(b), retry.Hedge(10*time.Millisecond, 2), retry.Deadline(2*time.Second))
			began, _, _ := op.record()
			if err != nil || v != 2 || !slices.Equal(began, ms(0, 10)) {
				t.Errorf("DoHedged() = %v, %v; attempts began at %v; want 2, nil from the hedge, no attempt after the breaker opened", v, err, began)
			}
		})
	})
	t.Run("a success after it leaves the breaker closed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			b := breaker.New(breaker.Config{Name: "users", ConsecutiveFailures: 2, BreakDuration: time.Hour})
			op := newHedgeOp(t,
				hedgeStep{after: 20 * time.Millisecond, err: classify.MarkTransient(errFailed)},
				hedgeStep{after: 20 * time.Millisecond, v: 7},
				hedgeStep{after: time.Second, v: 8}, // the failure's replacement, cancelled
			)
			if v, err := retry.DoHedged(t.Context(), op.do, retry.Breaker(b), retry.Hedge(10*time.Millisecond, 2)); err != nil || v != 7 {
				t.Fatalf("DoHedged() = %v, %v; want 7, nil", v, err)
			}
			// One failure more: with the first attempt's failure counted
			// after the success, this would be the second in a row.
			retry.Do(t.Context(), func(context.Context) (int, error) { return 0, classify.MarkTransient(errFailed) }, retry.Breaker(b), retry.MaxAttempts(1))
			if b.State() != observe.BreakerClosed {
				t.Errorf("breaker %v; want closed: the hedge's success came after the first attempt's failure", b.State())
			}
		})
	})
}

// TestHedgesAreBoundedByTheRatioAndBurst: calls that are all slow and all
// succeed, as under an overload, hedge at most ratio × calls + burst times
// in all, as Budget's documentation states, and the ratio keeps earning
// hedges: the bound is reached, not undercut.
func TestHedgesAreBoundedByTheRatioAndBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const calls, ratio, burst = 200, 0.1, 3
		b := retry.NewBudget(ratio, burst)
		hedges := 0
		for range calls {
			op := newHedgeOp(t, hedgeStep{after: 20 * time.Millisecond, v: 1}, hedgeStep{after: time.Second, v: 2})
			if _, err := retry.DoHedged(t.Context(), op.do, retry.Hedge(10*time.Millisecond, 2), b); err != nil {
				t.Fatalf("DoHedged: %v", err)
			}
			synctest.Wait()
			began, _, _ := op.record()
			hedges += len(began) - 1
		}
		// At most the bound; at least the bound less one, since the reserve
		// starts full and the first call's share spills over it.
		if bound := int(ratio*calls) + burst; hedges > bound || hedges < bound-1 {
			t.Errorf("%d hedges in %d calls, each slow and succeeding; want %d or %d: ratio × calls + burst, at most", hedges, calls, bound-1, bound)
		}
	})
}
