package sim

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// Contended is one record that every client wants to write once, with
// optimistic concurrency control, as in the contention model of the AWS
// study "Exponential Backoff And Jitter": a write reads the record, works
// for Latency, and commits only if no other write committed in between;
// otherwise it fails with a conflict (Concurrency). Of writes that overlap,
// the first to finish wins.
//
// Jitter is the network's: the call's way to the record, before the read,
// and the answer's way back, after the commit or the conflict, each take a
// delay drawn uniformly from [0, Jitter), independently for every call. With
// none, clients that retry at the same instant collide exactly, again and
// again, which no real network allows: it is what makes backoff without
// jitter look worse than it is.
type Contended struct {
	Latency time.Duration
	Jitter  time.Duration // 0: none
}

type contended struct {
	Contended
	s          *Scheduler
	rand       *rand.Rand
	lastCommit time.Duration // -1: none yet
}

// travel waits one way's network delay, and reports whether ctx stayed
// live. Without Jitter it neither draws nor waits, so that a run is the
// same as with no network at all.
func (c *contended) travel(ctx context.Context) bool {
	if c.Jitter <= 0 {
		return ctx.Err() == nil
	}
	return c.s.Sleep(ctx, time.Duration(c.rand.Int64N(int64(c.Jitter))))
}

func (c *contended) Call(ctx context.Context) error {
	if !c.travel(ctx) {
		return ctx.Err()
	}
	read := c.s.Elapsed()
	if !c.s.Sleep(ctx, c.Latency) {
		return ctx.Err()
	}
	var err error
	if c.lastCommit >= read {
		err = classify.MarkConcurrency(ErrConflict)
	} else {
		c.lastCommit = c.s.Elapsed()
	}
	if !c.travel(ctx) {
		return ctx.Err()
	}
	return err
}
