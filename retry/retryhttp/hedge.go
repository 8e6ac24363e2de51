package retryhttp

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

// Hedge makes the Transport hedge the requests that it may send more than
// once: when a request has not answered after delay, RoundTrip sends it
// again, up to max attempts in flight at once, the first included, and
// returns the first response that does not fail; the other attempts are
// cancelled. It runs the request through retry.DoHedged with
// retry.Hedge(delay, max): hedges are attempts, which MaxAttempts counts,
// the budget pays for and the breaker is asked about, and a failed attempt
// starts the next one at once while others are in flight (see retry.Hedge).
//
// Only a request that the idempotency rule allows (see Idempotent; by
// default GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or a request with an
// Idempotency-Key) and whose body can be replayed is hedged; any other,
// a POST for instance, is sent once, as without Hedge. Each attempt sends
// a body of its own: the first the request's, the others a copy from
// GetBody, which must then be safe to call concurrently (that of
// http.NewRequest is). The response that RoundTrip returns is readable,
// as without Hedge; every other response is closed before RoundTrip
// returns: a loser's request is cancelled and its body closed unread
// (which costs its connection, not the caller's time), a failed or
// rejected response drained and closed as a discarded one is.
//
// Do does not hedge: its attempts go through the Transport once each.
// Hedge with this option, not with a retry.Hedge among the options of
// Retry: retry.Do, which sends the requests that are not hedged, fails
// with retry.ErrInvalidOption when it gets one.
//
// delay must not be negative; max must be at least 2.
//
// Default: none; one attempt at a time.
func Hedge(delay time.Duration, max int) Option { return hedge{delay: delay, max: max} }

type hedge struct {
	delay time.Duration
	max   int
}

func (o hedge) String() string {
	return "Hedge(" + o.delay.String() + ", " + strconv.Itoa(o.max) + ")"
}

func (o hedge) apply(t *Transport) {
	switch {
	case o.delay < 0:
		t.fail(o, "delay must not be negative")
	case o.max < 2:
		t.fail(o, "max must be at least 2: the first attempt and a hedge")
	default:
		t.hedge = retry.Hedge(o.delay, o.max)
	}
}

// errHedgeLost is the cause of the context of a response that lost a
// hedge race.
var errHedgeLost = errors.New("retryhttp: another attempt of the request won")

// hedgedCall is the state of one hedged RoundTrip. Its attempts run at
// once, each on a goroutine of its own but the first of each round: what
// they share is guarded by mu, or atomic. The fields of call are read,
// never written, while the attempts run: sent and held here take the
// place of its sent and last, which are for one attempt at a time.
type hedgedCall struct {
	call             // a copy, so that a call that does not hedge stays on the stack
	sent atomic.Bool // req's own body went to an attempt, which closes it

	mu       sync.Mutex
	seq      int            // attempts that ended, but those cancelled by the hedging
	held     []heldResponse // every response an attempt got that is still open
	lastFail int            // seq of the last attempt that failed without a response
}

// heldResponse is a response that an attempt got, with the cancel function
// of its context.
type heldResponse struct {
	resp   *http.Response
	cancel context.CancelCauseFunc
	seq    int  // the order in which the attempts ended
	failed bool // its status failed the attempt
}

// discard drains and closes the response, and cancels its context.
func (h heldResponse) discard() {
	drain(h.resp, h.cancel)
	h.cancel(errDiscarded)
}

// roundTripHedged sends c.req through retry.DoHedged with opts, and
// returns the response it gives, or its error, as RoundTrip does.
func (c *call) roundTripHedged(opts []retry.Option) (*http.Response, error) {
	h := &hedgedCall{call: *c}
	opts = append(opts, h.t.hedge, retry.HedgeRelease(h.releaseLoser))
	normal := false
	defer func() {
		if !normal { // a panic: no response is left open
			for _, held := range h.take() {
				held.discard()
			}
		}
	}()
	resp, err := retry.DoHedged(h.ctx, h.attempt, opts...)
	normal = true
	if !h.sent.Load() {
		closeBody(h.req) // the loop gave up before the first attempt
	}
	var keep *heldResponse
	held := h.take()
	for i := range held {
		switch {
		case err == nil:
			if held[i].resp == resp {
				keep = &held[i]
			}
		case h.ctx.Err() != nil:
			// The context ended: no response.
		case held[i].seq < h.lastFail:
			// An attempt after it failed without a response.
		case held[i].failed || held[i].resp == resp:
			// The last response that failed or that a classifier
			// rejected: the loop gave up on it.
			if keep == nil || held[i].seq > keep.seq {
				keep = &held[i]
			}
		}
	}
	for i := range held {
		if &held[i] != keep {
			held[i].discard()
		}
	}
	if keep == nil {
		if err == nil { // not reached: every response an attempt returns is held
			err = errors.New("retryhttp: hedged response lost")
		}
		return nil, err
	}
	return h.keep(keep.resp, keep.cancel), nil
}

// attempt is the operation that retry.DoHedged calls, perhaps several at
// once: one attempt at c.req.
func (h *hedgedCall) attempt(actx context.Context) (*http.Response, error) {
	first := h.sent.CompareAndSwap(false, true)
	resp, cancel, err := h.send(actx, first)
	if err != nil {
		if !errors.Is(context.Cause(actx), context.Canceled) { // not a loser
			h.failedWithout()
		}
		return nil, err
	}
	failed := failing(resp)
	var status error
	if failed {
		settle(resp, cancel)
		status = h.failure(newStatusError(&h.call, resp, time.Now()))
	}
	for _, old := range h.hold(heldResponse{resp: resp, cancel: cancel, failed: failed}) {
		old.discard()
	}
	if failed {
		return nil, status
	}
	return resp, nil
}

// hold keeps r open until the call ends, and returns the responses that no
// longer may be the call's, which the caller discards: those that failed
// before r, if r failed, as the call returns the last failure's on giving
// up.
func (h *hedgedCall) hold(r heldResponse) (superseded []heldResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	r.seq = h.seq
	kept := h.held[:0]
	for _, old := range h.held {
		if r.failed && old.failed {
			superseded = append(superseded, old)
			continue
		}
		kept = append(kept, old)
	}
	h.held = append(kept, r)
	return superseded
}

// failedWithout records that an attempt failed without a response: a
// response held before it is not the last, which the call returns when it
// gives up.
func (h *hedgedCall) failedWithout() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	h.lastFail = h.seq
}

// take returns the responses held, and forgets them.
func (h *hedgedCall) take() []heldResponse {
	h.mu.Lock()
	defer h.mu.Unlock()
	held := h.held
	h.held = nil
	return held
}

// release forgets resp, a response held, and returns it with its cancel
// function, or false if it is not held.
func (h *hedgedCall) release(resp *http.Response) (heldResponse, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, r := range h.held {
		if r.resp == resp {
			h.held = append(h.held[:i], h.held[i+1:]...)
			return r, true
		}
	}
	return heldResponse{}, false
}

// releaseLoser is the call's function of retry.HedgeRelease: resp lost a
// hedge race. Its request is cancelled, and its body closed unread, on the
// caller's goroutine before DoHedged returns: draining it would keep the
// connection, but the caller would wait for the loser.
func (h *hedgedCall) releaseLoser(resp *http.Response) {
	if r, ok := h.release(resp); ok {
		r.cancel(errHedgeLost)
		closeResponse(resp)
	}
}
