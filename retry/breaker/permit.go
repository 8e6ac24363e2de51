package breaker

import (
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// A Permit lets one attempt go to the downstream; Allow returns it. Tell
// the Breaker how the attempt ended with exactly one of its methods:
// Success, Failure or Cancel. The first call ends the Permit; later calls
// of any of them on it do nothing. A copy made before the end counts again
// only while the breaker is closed, where one outcome more or less is
// noise; a half-open probe ends once, whichever copy ends it.
//
// A Permit from an earlier state of the breaker (it opened, or closed
// again, since Allow returned it) counts nothing, so that a slow attempt
// from before a change cannot disturb the new state.
//
// The zero Permit belongs to no Breaker; its methods do nothing.
type Permit struct {
	b *Breaker
	// gen is the breaker's word when Allow returned the Permit, or 0 once
	// the Permit ended: the end writes no pointer, so that it costs no
	// write barrier.
	gen   uint64
	probe uint64 // if half-open: the probe's id and slot (see probeOf)
}

// Success tells the Breaker that the attempt succeeded.
func (p *Permit) Success() {
	gen := p.gen
	p.gen = 0
	switch b := p.b; gen & stateMask {
	case stClosed:
		// The path of every success while the downstream is healthy: if
		// the closed state is still the breaker's, one increment of the
		// calling goroutine's stripe, and now and then a snapshot of the
		// stripes for the window.
		if b.word.Load() == gen && b.stripes[stripeOf()&b.mask].n.Add(1)%tickEvery == 0 {
			b.tick(gen)
		}
	case stHalfOpen:
		p.endProbe(gen, true)
	}
	// An ended Permit, the zero one, or one of an earlier state, counts
	// nothing.
}

// Failure tells the Breaker that the attempt failed, with an error of
// class c, and hint, the server's hint of how long to wait (0 if none:
// classify.RetryAfter reads it from an error).
//
// A failure of a class that Config.Classes leaves out, such as a
// Permanent 404, means that the downstream answered: it counts as a
// Success. A RateLimit failure with a hint opens the breaker for exactly
// the hint, capped by MaxRetryAfter, whatever the failure ratio, so that
// every caller honours the server's pushback, not only the one that got
// it. Any other failure that counts adds to the failure ratio and to the
// consecutive failures of a closed breaker, and opens a half-open one at
// once.
//
// An attempt that the caller cancelled, or abandoned, is no failure of the
// downstream: end it with Cancel.
func (p *Permit) Failure(c classify.Class, hint time.Duration) {
	gen := p.gen
	if gen == 0 {
		return
	}
	if !p.b.counts(c) {
		p.Success()
		return
	}
	p.gen = 0
	p.b.fail(gen, p.probe, c, hint)
}

// Cancel tells the Breaker that the attempt ended without a verdict on the
// downstream: the caller's context was cancelled, or the attempt was
// abandoned. It counts nothing, and frees a half-open breaker's probe slot
// for another probe.
func (p *Permit) Cancel() {
	gen := p.gen
	p.gen = 0
	if gen&stateMask == stHalfOpen {
		p.endProbe(gen, false)
	}
}
