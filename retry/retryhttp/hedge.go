package retryhttp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reflexio-go/reflexio/internal/integration"
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
// Hedge with this option, or HedgeAdaptive, not with a retry.Hedge among
// the options of Retry: retry.Do, which sends the requests that are not
// hedged, fails with retry.ErrInvalidOption when it gets one.
//
// delay must not be negative; max must be at least 2. The last Hedge or
// HedgeAdaptive wins.
//
// Default: none; one attempt at a time.
func Hedge(delay time.Duration, max int) Option {
	return hedge{integration.Hedge{Delay: delay, Max: max}}
}

// HedgeAdaptive is Hedge with a delay that follows each destination's
// latency: the Transport gives each destination (scheme, host and port, as
// for BudgetPerHost) a retry.Latency of its own, made with
// retry.NewLatency(cfg) at its first hedged request, and hedges each
// request with retry.HedgeAdaptive: after a high quantile (by default the
// 95th percentile) of the recent latency of the attempts to its
// destination, within cfg's floor and cap, or after cfg's fallback until
// enough of them have been measured (see retry.LatencyConfig for the
// defaults). A host that is slow does not move the delay of another.
//
// What is measured is an attempt's time to its response headers, not the
// reading of the body, which is the caller's: from the attempt's start
// until RoundTrip of the wrapped RoundTripper returns. Every attempt of a
// hedged request that ends by itself counts, whether it succeeds or fails:
// a response that does not fail, a transport error, a retry.AttemptTimeout;
// a failing response (400 to 599) counts with the reading of its body that
// the attempt does before the loop decides (at most 64 KiB within half a
// second: see "Responses" in the package documentation). Not measured: a
// loser, cancelled once another attempt won, whose time says only that it
// was slower than the winner; an attempt that the request's context
// ended; and the requests that are not hedged, such as a POST, whose
// latency may not be that of the requests that are.
//
// The Transport keeps the latencies of retry.DefaultMaxKeys destinations
// at most, in a retry.Latencies: past that, the destination least
// recently hedged is forgotten, and is hedged at the fallback delay when
// it is requested again, until it has been measured anew.
//
// An invalid cfg, or a max below 2, makes every request fail before it is
// sent, with an error that names the option, the field and its value, and
// matches retry.ErrInvalidOption. The last Hedge or HedgeAdaptive wins.
//
// Default: none; one attempt at a time.
func HedgeAdaptive(cfg retry.LatencyConfig, max int) Option {
	return hedge{integration.Hedge{Max: max, Cfg: cfg, Adaptive: true}}
}

// hedge is Hedge's and HedgeAdaptive's Option.
type hedge struct{ integration.Hedge }

func (o hedge) apply(t *Transport) {
	if reason := o.Check(); reason != "" {
		t.fail(o, reason)
		return
	}
	t.hedger = o.Build()
}

// hedging reports whether the Transport hedges the requests it may send
// more than once.
func (t *Transport) hedging() bool { return t.hedger != nil }

// hedgeFor returns the retry option that makes a request to u hedge.
func (t *Transport) hedgeFor(u *url.URL) retry.Option { return t.hedger.Option(destination(u)) }

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
	opts = append(opts, h.t.hedgeFor(h.req.URL), retry.HedgeRelease(h.releaseLoser))
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
		// The attempt reads the failed response's body before the loop
		// judges it. Should another attempt win meanwhile (actx cancelled,
		// not by its own timeout), the read stops at once: a loser costs
		// its connection, not the caller's time.
		stop := context.AfterFunc(actx, func() {
			if errors.Is(context.Cause(actx), context.Canceled) {
				cancel(errHedgeLost)
			}
		})
		settle(resp, cancel)
		stop()
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
