package sim

import (
	"context"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// Contended is one record that every client wants to write once, with
// optimistic concurrency control, as in the contention model of the AWS
// study "Exponential Backoff And Jitter": a write reads the record, works
// for Latency, and commits only if no other write committed in between;
// otherwise it fails with a conflict (Concurrency). Of writes that overlap,
// the first to finish wins.
type Contended struct {
	Latency time.Duration
}

type contended struct {
	Contended
	s          *Scheduler
	lastCommit time.Duration // -1: none yet
}

func (c *contended) Call(ctx context.Context) error {
	read := c.s.Elapsed()
	if !c.s.Sleep(ctx, c.Latency) {
		return ctx.Err()
	}
	if c.lastCommit >= read {
		return classify.MarkConcurrency(ErrConflict)
	}
	c.lastCommit = c.s.Elapsed()
	return nil
}
