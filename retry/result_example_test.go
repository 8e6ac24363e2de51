package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// Job is what a job service answers about a job.
type Job struct {
	ID     string
	Status string // "queued", "running", "done"
}

// Done reports whether the job has finished.
func (j Job) Done() bool { return j.Status == "done" }

func ExamplePoll() {
	answers := []string{"queued", "running", "running", "done"}
	polls := 0
	getJob := func(ctx context.Context) (Job, error) {
		polls++
		return Job{ID: "j-7", Status: answers[polls-1]}, nil
	}

	// Ask every 10ms (real code: seconds) until done, for at most a minute.
	job, err := retry.Do(context.Background(), getJob, retry.Poll(Job.Done, 10*time.Millisecond, time.Minute))
	fmt.Println(job.Status, err, "after", polls, "polls")
	// Output:
	// done <nil> after 4 polls
}

func ExampleClassifyResult() {
	// An API that answers 200 with a status in the body.
	type Report struct{ Status string }
	calls := 0
	getReport := func(ctx context.Context) (Report, error) {
		calls++
		return Report{Status: "pending"}, nil // never ready, this time
	}

	report, err := retry.Do(context.Background(), getReport, noWait, retry.MaxAttempts(3),
		retry.ClassifyResult(func(r Report) (classify.Class, bool) {
			if r.Status == "pending" {
				return classify.Transient, true // rejected: retry
			}
			return 0, false // accepted
		}))
	fmt.Println(err)
	fmt.Println("rejected:", errors.Is(err, retry.ErrRejected), "last value:", report.Status)
	// Output:
	// retry: max attempts reached after 3 attempts: retry: result rejected (Transient)
	// rejected: true last value: pending
}
