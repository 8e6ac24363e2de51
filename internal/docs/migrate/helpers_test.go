package migrate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

// statusError is the error of an HTTP-like client. reflexio's default
// classifier reads its StatusCode method: 503 is a ServerError, 429 a
// RateLimit, 404 Permanent.
type statusError struct{ code int }

func (e *statusError) Error() string   { return fmt.Sprintf("status %d", e.code) }
func (e *statusError) StatusCode() int { return e.code }

var (
	errUnavailable = &statusError{503} // every library retries it
	errThrottled   = &statusError{429}

	// Errors that carry nothing a classifier could read: reflexio's
	// default classifier calls them Unknown.
	errInvalid = errors.New("invalid id")
	errHiccup  = errors.New("backend hiccup")
	errLocked  = errors.New("row locked")

	errShutdown = errors.New("shutting down")
)

// User is what the fake service returns.
type User struct {
	ID   int
	Name string
}

// service stands in for a client of a remote service: its first calls fail
// with the errors of fail, in order, and every later call fails with always,
// or succeeds if always is nil. It records when each call happened, on the
// clock of the synctest bubble, and calls hook, if set, after each call.
type service struct {
	fail   []error
	always error
	hook   func(call int)

	start time.Time
	at    []time.Duration // when each call happened, since the service was made
}

// flaky returns a service that fails n times with err, then succeeds.
func flaky(n int, err error) *service {
	s := &service{start: time.Now()}
	for range n {
		s.fail = append(s.fail, err)
	}
	return s
}

// down returns a service that always fails with err.
func down(err error) *service {
	return &service{always: err, start: time.Now()}
}

func (s *service) calls() int { return len(s.at) }

func (s *service) call() error {
	s.at = append(s.at, time.Since(s.start))
	n := len(s.at)
	if s.hook != nil {
		defer s.hook(n)
	}
	if n <= len(s.fail) {
		return s.fail[n-1]
	}
	return s.always
}

func (s *service) GetUser(ctx context.Context, id int) (User, error) {
	if err := s.call(); err != nil {
		return User{}, err
	}
	return User{ID: id, Name: "Ada"}, nil
}

func (s *service) Ping(ctx context.Context) error {
	return s.call()
}

// wantCalls fails the test unless s was called n times.
func wantCalls(t *testing.T, lib string, s interface{ calls() int }, n int) {
	t.Helper()
	if got := s.calls(); got != n {
		t.Errorf("%s: %d calls; want %d", lib, got, n)
	}
}

// wantSame fails the test unless err is target itself, not a wrapper.
func wantSame(t *testing.T, lib string, err, target error) {
	t.Helper()
	if err != target {
		t.Errorf("%s: err = %#v; want %v itself", lib, err, target)
	}
}

// wantIs fails the test unless errors.Is(err, target) holds for every one of
// targets.
func wantIs(t *testing.T, lib string, err error, targets ...error) {
	t.Helper()
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Errorf("%s: errors.Is(%v, %v) = false; want true", lib, err, target)
		}
	}
}

// Job is what the fake job service reports: a job runs, then it is done or
// it failed.
type Job struct {
	ID     string
	Status string // "running", "done" or "failed"
}

// Done reports whether the job is done.
func (j Job) Done() bool { return j.Status == "done" }

// callTime is how long each call of a jobService takes, on the clock of the
// synctest bubble.
const callTime = 100 * time.Millisecond

// jobService stands in for a client of a service that runs jobs. Its n-th
// call answers with the n-th of its answers, the last one repeated: a status
// (a string) or an error. Each call takes callTime, or ends with the error
// of ctx if ctx ends first. It records when each call started, and panics at
// its thousandth call, so that a loop that never ends fails its test.
type jobService struct {
	answers []any
	start   time.Time
	at      []time.Duration
}

// jobsAnswering returns a jobService that answers with answers.
func jobsAnswering(answers ...any) *jobService {
	return &jobService{answers: answers, start: time.Now()}
}

func (s *jobService) calls() int { return len(s.at) }

// elapsed returns the time since the service was made.
func (s *jobService) elapsed() time.Duration { return time.Since(s.start) }

func (s *jobService) Get(ctx context.Context, id string) (Job, error) {
	s.at = append(s.at, time.Since(s.start))
	if len(s.at) >= 1000 {
		panic("jobService: a loop that never ends")
	}
	answer := s.answers[min(len(s.at), len(s.answers))-1]
	t := time.NewTimer(callTime)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return Job{}, ctx.Err()
	}
	switch a := answer.(type) {
	case error:
		return Job{}, a
	case string:
		return Job{ID: id, Status: a}, nil
	}
	panic(fmt.Sprintf("jobService: answer %v is neither a status nor an error", answer))
}

// wantPollGaveUp fails the test unless job and err are what a poll of a
// job that stays running returns when its time is up: the last answer,
// even when the deadline cut the last attempt short.
func wantPollGaveUp(t *testing.T, job Job, err error) {
	t.Helper()
	var rerr *retry.Error
	if !errors.As(err, &rerr) || rerr.Reason != retry.ErrDeadline {
		t.Errorf("reflexio: err = %v; want a *retry.Error with ErrDeadline", err)
		return
	}
	switch {
	case errors.Is(err, retry.ErrRejected):
		// job is the last answer: still running
		if job.Status != "running" {
			t.Errorf("reflexio: returned %v after a rejected answer; want it, running", job)
		}
	case errors.Is(rerr.Last, context.DeadlineExceeded):
		// the deadline cut the last attempt short: the answer before it
		if job.Status != "running" {
			t.Errorf("reflexio: returned %v after an attempt cut short; want the last answer, running", job)
		}
	default:
		t.Errorf("reflexio: err = %v; want it after a rejected answer or an attempt cut short", err)
	}
}
