package main

import (
	"errors"
	"time"
)

// config is what one run of the demo does. The delays are tens of
// milliseconds, where a real service would use hundreds of milliseconds to
// seconds, so that a run takes seconds; the test scales them down further.
type config struct {
	seed        uint64 // of the server's draws and of the retry jitter
	calls       int    // calls to make
	concurrency int    // calls in flight at once

	attemptTimeout time.Duration // each attempt's budget
	deadline       time.Duration // each call's budget, waits included
	maxRetryAfter  time.Duration // the cap on a server's Retry-After hint
	backoffBase    time.Duration // the backoff of every class but RateLimit
	backoffCap     time.Duration
	rateLimitBase  time.Duration // the longer backoff of RateLimit
	rateLimitCap   time.Duration

	slowFor time.Duration // how long the server's slow responses take
}

// defaultConfig returns the configuration of `go run ./internal/demo`.
func defaultConfig() config {
	return config{
		seed:        103, // a seed whose calls end in each of the usual ways
		calls:       40,
		concurrency: 4,

		attemptTimeout: 100 * time.Millisecond,
		deadline:       600 * time.Millisecond,
		maxRetryAfter:  250 * time.Millisecond,
		backoffBase:    10 * time.Millisecond,
		backoffCap:     200 * time.Millisecond,
		rateLimitBase:  50 * time.Millisecond,
		rateLimitCap:   400 * time.Millisecond,

		slowFor: 3 * time.Second, // far beyond attemptTimeout
	}
}

// validate reports settings the demo cannot run with. The retry options
// check their own values when a call is made.
func (c config) validate() error {
	switch {
	case c.calls < 1:
		return errors.New("-calls must be at least 1")
	case c.concurrency < 1:
		return errors.New("-concurrency must be at least 1")
	}
	return nil
}
