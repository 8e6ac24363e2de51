package observe

import (
	"context"
	"sync"
)

// A Recorder is a Subscriber that keeps every event it receives, for tests
// of code that retries: subscribe one (as a pointer, retry.Subscribe(&rec)),
// run the code, and compare Events with what you expect.
//
// The zero value is an empty Recorder, ready to use. A Recorder must not be
// copied after first use. It is safe for concurrent use; events from
// concurrent calls are kept in the order Handle received them.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Handle keeps e.
func (r *Recorder) Handle(_ context.Context, e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events returns a copy of the events received so far, oldest first, or
// nil if there are none.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Count returns how many events of kind k were received so far.
func (r *Recorder) Count(k Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind() == k {
			n++
		}
	}
	return n
}

// Reset forgets every event received so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}
