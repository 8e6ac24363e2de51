package recipes

import (
	"log/slog"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// Recipe: testing your own code that retries.

func TestWorkerRetriesConflicts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		queue := &fakeQueue{jobs: []Job{
			{ID: "job-1", Account: "ada", Amount: 100, Deadline: time.Now().Add(time.Minute)},
		}}
		billing := &fakeBilling{failures: map[string][]error{
			"ada": {errConflict, errConflict},
		}}
		w := &Worker{
			Queue:   queue,
			Billing: billing,
			Policy: retry.Options(
				BillingPolicy(retry.NewBudget(0.1, 10)), // a budget of this test's own
				retry.Rand(rand.New(zeroSource{})),      // every jittered wait at its shortest
				retry.Subscribe(&rec),
			),
			Log: slog.New(slog.DiscardHandler),
		}

		_ = w.Run(t.Context()) // waits 500ms, on the bubble's fake clock

		want := []observe.Event{
			observe.Retry{Operation: "billing.charge", Attempt: 1, Class: classify.Concurrency,
				Err: errConflict, Delay: 250 * time.Millisecond},
			observe.Retry{Operation: "billing.charge", Attempt: 2, Class: classify.Concurrency,
				Err: errConflict, Delay: 250 * time.Millisecond, Elapsed: 250 * time.Millisecond},
			observe.Success{Operation: "billing.charge", Attempt: 3, Elapsed: 500 * time.Millisecond},
		}
		if diff := cmp.Diff(want, rec.Events(), cmpopts.EquateErrors()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if len(queue.done) != 1 || queue.done[0] != "ack job-1" {
			t.Errorf("jobs: %q; want job-1 acked", queue.done)
		}
	})
}

func TestWorkerStopsRetryingWhenTheBudgetIsSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec observe.Recorder
		queue := &fakeQueue{}
		billing := &fakeBilling{failures: map[string][]error{}}
		for _, id := range []string{"job-1", "job-2", "job-3"} {
			queue.jobs = append(queue.jobs, Job{ID: id, Account: id, Deadline: time.Now().Add(time.Minute)})
			billing.failures[id] = []error{errUnavailable, errUnavailable}
		}
		w := &Worker{
			Queue:   queue,
			Billing: billing,
			Policy: retry.Options(
				BillingPolicy(retry.NewBudget(0.1, 1)), // one retry, then a tenth per call
				retry.Subscribe(&rec),
			),
			Log: slog.New(slog.DiscardHandler),
		}

		_ = w.Run(t.Context())

		if got := rec.Count(observe.KindBudgetExhausted); got != 3 {
			t.Errorf("%d calls stopped by the budget; want 3", got)
		}
		if got := rec.Count(observe.KindRetry); got != 1 {
			t.Errorf("%d retries; want 1", got)
		}
	})
}
