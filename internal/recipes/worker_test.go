package recipes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// Recipe: a worker loop.

// Job is a charge to make, taken from a queue.
type Job struct {
	ID       string
	Account  string
	Amount   int64
	Deadline time.Time // after it, the charge is not worth making
}

// Queue is the queue the jobs come from.
type Queue interface {
	// Receive waits for the next job.
	Receive(ctx context.Context) (Job, error)
	// Ack removes a job that is done.
	Ack(ctx context.Context, job Job) error
	// Retry hands a job back, to be received again later.
	Retry(ctx context.Context, job Job, reason error) error
	// DeadLetter sets aside a job that will never succeed.
	DeadLetter(ctx context.Context, job Job, reason error) error
}

// Billing is the downstream service that the jobs call.
type Billing interface {
	Charge(ctx context.Context, account string, amount int64, idempotencyKey string) error
}

// BillingPolicy says how every call to the billing service is retried.
// Every worker shares the budget, one per downstream, so that while billing
// is down all the workers together add at most a tenth to its load.
func BillingPolicy(budget *retry.Budget) retry.Option {
	return retry.Options(
		retry.Name("billing.charge"),
		budget,
		retry.MaxAttempts(5),
		retry.AttemptTimeout(2*time.Second),
		retry.BackoffFor(classify.RateLimit,
			backoff.DecorrelatedJitter(time.Second, 30*time.Second)),
	)
}

// Worker takes jobs from Queue and charges them with Billing, retrying
// each within its deadline.
type Worker struct {
	Queue   Queue
	Billing Billing
	Policy  retry.Option // BillingPolicy(budget), with a test's options if any
	Log     *slog.Logger
}

// Run handles jobs until ctx is done or Receive fails.
func (w *Worker) Run(ctx context.Context) error {
	for {
		job, err := w.Queue.Receive(ctx)
		if err != nil {
			return err
		}
		if err := w.handle(ctx, job); err != nil {
			return err
		}
	}
}

func (w *Worker) handle(ctx context.Context, job Job) error {
	jobCtx, cancel := context.WithDeadline(ctx, job.Deadline)
	defer cancel()
	err := retry.Run(jobCtx, func(ctx context.Context) error {
		return w.Billing.Charge(ctx, job.Account, job.Amount, job.ID)
	}, w.Policy, retry.Subscribe(observe.Slog(w.Log.With("job", job.ID))))

	switch {
	case err == nil:
		return w.Queue.Ack(ctx, job)
	case ctx.Err() != nil:
		// Shutting down: hand the job back for another worker.
		return w.Queue.Retry(context.WithoutCancel(ctx), job, err)
	case errors.Is(err, retry.ErrPermanent), errors.Is(err, retry.ErrDeadline):
		// It will never succeed, or not before its deadline.
		return w.Queue.DeadLetter(ctx, job, err)
	default:
		// Attempts or budget spent: billing is struggling; try again later.
		return w.Queue.Retry(ctx, job, err)
	}
}

// BillingError is an error of the billing service. The default classifier
// reads its StatusCode: 409 is Concurrency, 429 RateLimit, 503 ServerError,
// 400 Permanent.
type BillingError struct{ Code int }

func (e *BillingError) Error() string   { return fmt.Sprintf("billing: status %d", e.Code) }
func (e *BillingError) StatusCode() int { return e.Code }

var (
	errConflict    = &BillingError{Code: 409}
	errBadAccount  = &BillingError{Code: 400}
	errUnavailable = &BillingError{Code: 503}
	errQueueEmpty  = errors.New("queue: empty")
)

// fakeQueue is a Queue that serves its jobs once each, then fails with
// errQueueEmpty, and keeps what was done with them.
type fakeQueue struct {
	mu   sync.Mutex
	jobs []Job
	done []string // "ack job-1", "retry job-2: …", "dead job-3: …"
}

func (q *fakeQueue) Receive(ctx context.Context) (Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Job{}, err
	}
	if len(q.jobs) == 0 {
		return Job{}, errQueueEmpty
	}
	job := q.jobs[0]
	q.jobs = q.jobs[1:]
	return job, nil
}

func (q *fakeQueue) record(s string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.done = append(q.done, s)
	return nil
}

func (q *fakeQueue) Ack(_ context.Context, job Job) error { return q.record("ack " + job.ID) }

func (q *fakeQueue) Retry(_ context.Context, job Job, reason error) error {
	return q.record("retry " + job.ID + ": " + reason.Error())
}

func (q *fakeQueue) DeadLetter(_ context.Context, job Job, reason error) error {
	return q.record("dead " + job.ID + ": " + reason.Error())
}

// fakeBilling fails each account's charges with that account's errors, in
// turn, and then succeeds; calls counts every charge.
type fakeBilling struct {
	mu       sync.Mutex
	failures map[string][]error
	calls    int
}

func (b *fakeBilling) Charge(ctx context.Context, account string, amount int64, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if errs := b.failures[account]; len(errs) > 0 {
		b.failures[account] = errs[1:]
		return errs[0]
	}
	return nil
}

// zeroSource is a random source that always draws 0: with it, every
// jittered strategy waits its shortest, so that delays are exact.
type zeroSource struct{}

func (zeroSource) Uint64() uint64 { return 0 }

func TestWorkerHandlesEachOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		queue := &fakeQueue{jobs: []Job{
			{ID: "job-1", Account: "ada", Amount: 100, Deadline: start.Add(time.Minute)},
			{ID: "job-2", Account: "bob", Amount: 200, Deadline: start.Add(time.Minute)},
			{ID: "job-3", Account: "cyd", Amount: 300, Deadline: start.Add(time.Minute)},
		}}
		billing := &fakeBilling{failures: map[string][]error{
			"ada": {errConflict, errConflict},
			"bob": {errBadAccount},
			"cyd": {errUnavailable, errUnavailable, errUnavailable, errUnavailable, errUnavailable},
		}}
		var logs bytes.Buffer
		w := &Worker{
			Queue:   queue,
			Billing: billing,
			Policy: retry.Options(BillingPolicy(retry.NewBudget(0.1, 10)),
				retry.Rand(rand.New(zeroSource{}))),
			Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{
				ReplaceAttr: dropTime,
			})),
		}

		if err := w.Run(t.Context()); !errors.Is(err, errQueueEmpty) {
			t.Fatalf("Run = %v; want it to end with the queue", err)
		}

		want := []string{
			"ack job-1",
			"dead job-2: retry: permanent error after 1 attempt: billing: status 400",
			"retry job-3: retry: max attempts reached after 5 attempts: billing: status 503",
		}
		if got := queue.done; strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("jobs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		wantLogs := []string{
			`level=INFO msg=retry job=job-1 op=billing.charge attempt=1 class=Concurrency err="billing: status 409" delay=250ms elapsed=0s`,
			`level=INFO msg=retry job=job-1 op=billing.charge attempt=2 class=Concurrency err="billing: status 409" delay=250ms elapsed=250ms`,
			`level=WARN msg=permanent_failure job=job-2 op=billing.charge attempt=1 class=Permanent err="billing: status 400" elapsed=0s`,
		}
		for _, line := range wantLogs {
			if !strings.Contains(logs.String(), line+"\n") {
				t.Errorf("logs lack\n%s\nlogs:\n%s", line, logs.String())
			}
		}
	})
}

func TestWorkerDeadLettersAJobPastItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		queue := &fakeQueue{jobs: []Job{
			{ID: "job-1", Account: "ada", Amount: 100, Deadline: time.Now().Add(time.Second)},
		}}
		billing := &fakeBilling{failures: map[string][]error{
			"ada": {errUnavailable, errUnavailable, errUnavailable},
		}}
		w := &Worker{
			Queue:   queue,
			Billing: billing,
			Policy: retry.Options(BillingPolicy(retry.NewBudget(0.1, 10)),
				retry.Backoff(backoff.Constant(400*time.Millisecond))),
			Log: slog.New(slog.DiscardHandler),
		}
		_ = w.Run(t.Context())
		// Attempts at 0, 400ms and 800ms; the next wait would end after 1s.
		want := "dead job-1: retry: deadline exceeded after 3 attempts: billing: status 503"
		if len(queue.done) != 1 || queue.done[0] != want {
			t.Errorf("jobs: %q; want %q", queue.done, want)
		}
	})
}

func TestWorkerHandsBackItsJobOnShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		queue := &fakeQueue{jobs: []Job{
			{ID: "job-1", Account: "ada", Amount: 100, Deadline: time.Now().Add(time.Minute)},
		}}
		billing := &fakeBilling{failures: map[string][]error{"ada": {errUnavailable}}}
		w := &Worker{
			Queue:   queue,
			Billing: billing,
			Policy: retry.Options(BillingPolicy(retry.NewBudget(0.1, 10)),
				retry.Subscribe(observe.Func(func(observe.Retry) { cancel() }))),
			Log: slog.New(slog.DiscardHandler),
		}
		if err := w.Run(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v; want context.Canceled", err)
		}
		want := "retry job-1: retry: cancelled after 1 attempt: context canceled; last error: billing: status 503"
		if len(queue.done) != 1 || queue.done[0] != want {
			t.Errorf("jobs: %q; want %q", queue.done, want)
		}
	})
}

func TestWorkersShareTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var jobs []Job
		failures := map[string][]error{}
		for i := range 100 {
			id := fmt.Sprintf("job-%d", i)
			jobs = append(jobs, Job{ID: id, Account: id, Deadline: time.Now().Add(time.Hour)})
			failures[id] = []error{errUnavailable, errUnavailable, errUnavailable, errUnavailable, errUnavailable}
		}
		queue := &fakeQueue{jobs: jobs}
		billing := &fakeBilling{failures: failures}
		ctx, logger := t.Context(), slog.New(slog.DiscardHandler)

		budget := retry.NewBudget(0.1, 10) // one per downstream, shared by every worker
		var wg sync.WaitGroup
		for range 4 {
			w := &Worker{Queue: queue, Billing: billing, Policy: BillingPolicy(budget), Log: logger}
			wg.Go(func() { _ = w.Run(ctx) })
		}
		wg.Wait()
		// 100 calls begun: at most 0.1×100 + 10 retries, instead of 400.
		if billing.calls > 100+20 {
			t.Errorf("billing got %d calls; want at most 120", billing.calls)
		}
	})
}

// dropTime removes the time from log records, so that they compare equal.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}
