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
	b     *Breaker
	gen   uint64 // the breaker's word when Allow returned the Permit
	probe uint64 // the probe's id, if half-open
	slot  uint32 // the probe's slot, if half-open
}

// Success tells the Breaker that the attempt succeeded.
func (p *Permit) Success() {
	if b := p.b; b != nil && b.word.Load() == p.gen && p.gen&stateMask == stClosed {
		// The closed state's path, kept small enough to inline.
		p.b = nil
		if n := b.stripes[stripeOf()&b.mask].n.Add(1); n%tickEvery == 0 {
			b.tick(p.gen)
		}
		return
	}
	p.success()
}

// success is Success but for a closed state that is still the breaker's.
func (p *Permit) success() {
	b := p.b
	if b == nil {
		return
	}
	p.b = nil
	if p.gen&stateMask == stHalfOpen {
		b.probeEnded(p.gen, p.slot, p.probe, true)
	}
	// A permit of an earlier state counts nothing.
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
	b := p.b
	if b == nil {
		return
	}
	if !b.counts(c) {
		p.Success()
		return
	}
	p.b = nil
	b.fail(p.gen, p.slot, p.probe, c, hint)
}

// Cancel tells the Breaker that the attempt ended without a verdict on the
// downstream: the caller's context was cancelled, or the attempt was
// abandoned. It counts nothing, and frees a half-open breaker's probe slot
// for another probe.
func (p *Permit) Cancel() {
	b := p.b
	if b == nil {
		return
	}
	p.b = nil
	if p.gen&stateMask == stHalfOpen {
		b.probeEnded(p.gen, p.slot, p.probe, false)
	}
}
