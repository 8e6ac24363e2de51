package main

import (
	"errors"
	"sync"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// tally counts the events of every call, for the summary: a second
// subscriber next to the logger, as a metrics exporter would be. It is safe
// for concurrent use, as a Subscriber shared by concurrent calls must be.
type tally struct {
	maxRetryAfter time.Duration // the cap set with retry.MaxRetryAfter

	mu      sync.Mutex
	kinds   map[observe.Kind]int
	retries [classify.NumClasses]int // Retry events, by class
	hints   hintCounts
}

// hintCounts counts the Retry-After headers of the responses that were
// retried.
type hintCounts struct {
	honoured int // the wait was at least the hint, as capped
	clamped  int // of those, the hint was above MaxRetryAfter and was cut
	ignored  int // the header was not understood: no hint
}

func newTally(maxRetryAfter time.Duration) *tally {
	return &tally{maxRetryAfter: maxRetryAfter, kinds: make(map[observe.Kind]int)}
}

// subscriber returns the Subscriber that feeds t: every event, of any kind.
func (t *tally) subscriber() observe.Subscriber { return observe.Func(t.record) }

func (t *tally) record(e observe.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.kinds[e.Kind()]++
	r, ok := e.(observe.Retry)
	if !ok {
		return
	}
	t.retries[r.Class]++
	var he *HTTPError
	switch {
	case !errors.As(r.Err, &he) || he.RetryAfterHeader == "":
	case he.Hint <= 0:
		t.hints.ignored++
	default:
		t.hints.honoured++
		if he.Hint > t.maxRetryAfter {
			t.hints.clamped++
		}
	}
}

// snapshot returns copies of the counts.
func (t *tally) snapshot() (kinds map[observe.Kind]int, retries [classify.NumClasses]int, hints hintCounts) {
	t.mu.Lock()
	defer t.mu.Unlock()
	kinds = make(map[observe.Kind]int, len(t.kinds))
	for k, n := range t.kinds {
		kinds[k] = n
	}
	return kinds, t.retries, t.hints
}
