package retryhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// A Transport is an http.RoundTripper that retries the requests it is
// given through another RoundTripper, with retry.Do: see the package
// documentation for what it retries and how.
//
// The zero value is a Transport with the defaults over
// http.DefaultTransport. A Transport is safe for concurrent use, as every
// RoundTripper must be; share one per client, so that its retry budgets
// see all of the client's traffic. It must not be copied after first use.
type Transport struct {
	next       http.RoundTripper            // nil: http.DefaultTransport
	retryOpts  []retry.Option               // as Retry gave them, until New bundles them
	retry      retry.Option                 // the bundle; nil: none
	idempotent func(req *http.Request) bool // nil: IsIdempotent
	hedger     *integration.Hedger          // Hedge's or HedgeAdaptive's; nil: no hedging
	budgets    integration.Budgets          // the zero value: BudgetPerHost(0.1, 10)
	breakers   integration.Breakers         // the zero value: none
	err        error                        // the first invalid option
}

// New returns a Transport that sends requests through next, or through
// http.DefaultTransport if next is nil, and retries them as opts say.
// Invalid options do not make New fail: every request fails instead,
// before it is sent, with an error that names the option and matches
// retry.ErrInvalidOption.
//
//	client := &http.Client{Transport: retryhttp.New(nil, retryhttp.Retry(retry.MaxAttempts(3)))}
func New(next http.RoundTripper, opts ...Option) *Transport {
	t := &Transport{next: next}
	integration.Apply(opts, func(o Option) { o.apply(t) }, func(reason string) { t.fail(nil, reason) })
	t.retry, t.retryOpts = integration.Bundle(t.retryOpts), nil
	return t
}

// NewClient returns an *http.Client whose Transport is New(nil, opts...):
// it retries through http.DefaultTransport, and has no timeout of its own
// (bound each request with its context, or with retry.Deadline, which
// bounds the retries but not the reading of the last response's body).
func NewClient(opts ...Option) *http.Client {
	return &http.Client{Transport: New(nil, opts...)}
}

// fail records that option o is invalid, unless an earlier one was.
func (t *Transport) fail(o Option, reason string) { integration.Fail(&t.err, "retryhttp", o, reason) }

// CloseIdleConnections closes the idle connections of the Transport's
// RoundTripper, if it has such a method; http.Client's method of that name
// calls it.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.transport().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) transport() http.RoundTripper {
	if t.next == nil {
		return http.DefaultTransport
	}
	return t.next
}

// RoundTrip sends req, and sends it again while it fails and the retry
// loop allows: see the package documentation. It returns the first
// response that does not fail (its status is not from 400 to 599, and no
// result classifier rejects it), or, when the loop gives up after an
// attempt that got a response, that response, whatever its status or the
// classifier's word, readable. It returns an error when it has no response
// to return: the last attempt failed without one; or the request's context
// ended; or the loop, having discarded the last response to retry, stopped
// before the retry, because the deadline passed during the wait; or an
// option is invalid.
//
// RoundTrip does not modify req, and closes its body, as a RoundTripper
// must, even on errors. It sends an attempt of [Do] once, as it is: Do
// retries it.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.err != nil {
		closeBody(req)
		return nil, t.err
	}
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("retryhttp: request has no URL")
	}
	c := newCall(t, req)
	if c.ctx.Value(sendOnce{}) != nil {
		// An attempt of Do, whose loop retries. The http.Client of Do
		// names the request in its error.
		resp, err := t.transport().RoundTrip(req)
		if err != nil {
			return nil, redact("", err, c.secrets())
		}
		return resp, nil
	}
	c.reason = t.reasonNotToRetry(req)
	if t.hedging() && c.reason == nil {
		return c.roundTripHedged(t.options(c))
	}
	defer c.discard() // a response nobody takes, on an error or a panic
	_, err := retry.Do(c.ctx, c.attempt, t.options(c)...)
	if !c.sent {
		closeBody(req) // the loop gave up before the first attempt
	}
	if c.last != nil && (err == nil || c.ctx.Err() == nil) {
		// The response that the loop accepted, or the last one, failed
		// or rejected, on which it gave up: hand it over.
		resp, cancel := c.last, c.lastCancel
		c.last, c.lastCancel = nil, nil
		return c.keep(resp, cancel), nil
	}
	return nil, err // a response, if any, is discarded: the context ended
}

// reasonNotToRetry returns why req must be sent only once, or nil if it may
// be sent again.
func (t *Transport) reasonNotToRetry(req *http.Request) error {
	rule := t.idempotent
	if rule == nil {
		rule = IsIdempotent
	}
	switch {
	case !rule(req):
		return ErrNotIdempotent
	case hasBody(req) && req.GetBody == nil:
		return ErrBodyNotReplayable
	}
	return nil
}

// options returns the retry options of c: the Transport's defaults first,
// so that the user's options override them, then the user's, then what no
// option may override.
func (t *Transport) options(c *call) []retry.Option {
	b := t.breakerFor(c.req.URL)
	opts := make([]retry.Option, 0, 4+btoi(b != nil))
	opts = append(opts, retry.Name(c.method+" "+c.host), t.budgetFor(c.req.URL))
	if b != nil {
		opts = append(opts, retry.Breaker(b))
	}
	if t.retry != nil {
		opts = append(opts, t.retry)
	}
	if c.reason != nil {
		// Whatever a classifier makes of the failure, there is no second
		// attempt.
		opts = append(opts, retry.MaxAttempts(1))
	}
	return opts
}

// budgetFor returns the budget option of a request to u: always one, so
// that no default of package retry applies in its place.
func (t *Transport) budgetFor(u *url.URL) retry.Option {
	return integration.Option(&t.budgets, u, destination)
}

// btoi returns 1 if v is true, 0 otherwise: one more option to make room
// for, not one more for every call.
func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// breakerFor returns the breaker of requests to u, or nil if there is none.
func (t *Transport) breakerFor(u *url.URL) *breaker.Breaker {
	return integration.Breaker(&t.breakers, u, destination)
}

// destination returns the scheme, host and port of u, with the scheme's
// default port if u has none, in lower case: "https://example.com:443".
func destination(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// call is the state of one RoundTrip.
type call struct {
	t            *Transport
	req          *http.Request
	ctx          context.Context // req's
	method, host string
	reason       error // why req must be sent only once; nil if it may be sent again
	sent         bool  // req's own body went to an attempt, which closes it

	// The last attempt's response and the cancel function of its
	// context. Either its status failed, and the attempt settled it, or
	// the attempt returned it, and a result classifier of the loop may
	// reject it. The loop may retry, and the next attempt discards it, or
	// give up, or accept it, and RoundTrip returns it.
	last       *http.Response
	lastCancel context.CancelCauseFunc
}

// newCall returns the state of a call that sends req with t's rules.
func newCall(t *Transport, req *http.Request) *call {
	c := &call{t: t, req: req, ctx: req.Context(), method: req.Method, host: req.URL.Host}
	if c.method == "" {
		c.method = http.MethodGet
	}
	return c
}

// attempt is the operation that retry.Do calls: one attempt at c.req.
func (c *call) attempt(actx context.Context) (*http.Response, error) {
	c.discard() // the response of the attempt before, failed or rejected, if it is still open
	first := !c.sent
	c.sent = true
	resp, cancel, err := c.send(actx, first)
	if err != nil {
		return nil, err
	}
	c.last, c.lastCancel = resp, cancel
	if !failing(resp) {
		return resp, nil
	}
	settle(resp, cancel)
	return nil, c.failure(newStatusError(c, resp, time.Now()))
}

// send sends one attempt at c.req, with its own body (the request's at the
// first, a copy from GetBody at the others), and returns its response, the
// cancel function of the response's context, which the caller then owns,
// or the attempt's error. It touches no field of c that it writes, so that
// the attempts of a hedged call may send at once.
func (c *call) send(actx context.Context, first bool) (*http.Response, context.CancelCauseFunc, error) {
	body, err := c.body(first)
	if err != nil {
		return nil, nil, classify.MarkPermanent(c.transportError(err))
	}
	// The request's context is the caller's, not the attempt's: the loop
	// cancels the attempt's context when the attempt returns, which would
	// cut off the body of the response that RoundTrip returns. The
	// attempt's context bounds the attempt until its response arrives,
	// through stop; the request's own is cancelled when its response is
	// discarded, or when the caller closes the body.
	ctx, cancel := context.WithCancelCause(c.ctx)
	handedOver := false // cancel goes with the response, whose owner calls it
	defer func() {
		if !handedOver { // also when the RoundTripper panics
			cancel(nil)
		}
	}()
	var stop func() bool
	if actx.Done() != c.ctx.Done() { // retry.AttemptTimeout, or retry.Deadline with it, or a hedge
		stop = context.AfterFunc(actx, func() { cancel(context.Cause(actx)) })
	}
	r := c.req.WithContext(ctx)
	r.Body = body
	resp, err := c.t.transport().RoundTrip(r)
	if stop != nil && !stop() && err == nil {
		// The attempt's time ran out, or it lost a hedge race, as its
		// response came: its body is cut off.
		closeResponse(resp)
		resp, err = nil, context.Cause(actx)
	}
	switch {
	case err != nil:
		return nil, nil, c.failure(c.transportError(err))
	case resp == nil: // a broken RoundTripper
		err := fmt.Errorf("retryhttp: %T returned a nil response and a nil error", c.t.transport())
		return nil, nil, c.failure(c.transportError(err))
	}
	handedOver = true
	resp.Request = c.req // for a result classifier, as for the caller
	return resp, cancel, nil
}

// failing reports whether resp's status fails the attempt: 400 to 599.
func failing(resp *http.Response) bool {
	return resp.StatusCode >= 400 && resp.StatusCode <= 599
}

// body returns the body of an attempt at c.req: its own at the first, a
// fresh copy from GetBody at the others.
func (c *call) body(first bool) (io.ReadCloser, error) {
	switch {
	case first || !hasBody(c.req):
		return c.req.Body, nil
	case c.req.GetBody == nil: // reasonNotToRetry prevents it
		return nil, ErrBodyNotReplayable
	}
	body, err := c.req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("retryhttp: GetBody: %w", err)
	}
	return body, nil
}

// transportError returns err, an attempt's error without a response,
// naming c's method and host. An io.EOF from a RoundTripper means that the
// server closed the connection before it answered: it is Transient. (An
// http.Client wraps it in a *url.Error, which classify.Default knows; a
// RoundTripper sees it bare.)
func (c *call) transportError(err error) error {
	e := redact(c.method+" "+c.host+": ", err, c.secrets())
	if errors.Is(err, io.EOF) {
		return classify.MarkTransient(e)
	}
	return e
}

// secrets returns the URL of c.req if it has secrets to keep out of
// errors, or nil.
func (c *call) secrets() []*url.URL {
	if hasSecrets(c.req.URL) {
		return []*url.URL{c.req.URL}
	}
	return nil
}

// failure returns err, the error of a failed attempt, marked Permanent if
// c.req must not be sent again.
func (c *call) failure(err error) error {
	if c.reason != nil {
		return &notRetried{reason: c.reason, err: err}
	}
	return err
}

// discard drains and closes the last response, if there is one, and
// cancels its context.
func (c *call) discard() {
	if c.last == nil {
		return
	}
	resp, cancel := c.last, c.lastCancel
	c.last, c.lastCancel = nil, nil
	drain(resp, cancel)
	cancel(errDiscarded)
}

var errDiscarded = errors.New("retryhttp: response discarded")

// keep returns resp, the response RoundTrip returns, with a body that
// cancels cancel, its request's context, when it is closed.
func (c *call) keep(resp *http.Response, cancel context.CancelCauseFunc) *http.Response {
	resp.Request = c.req
	if resp.Body == nil || resp.Body == http.NoBody {
		cancel(nil) // nothing to read: the context has done its work
		return resp
	}
	resp.Body = withCancel(resp.Body, cancel)
	return resp
}

// hasBody reports whether req has a body to send.
func hasBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody
}

// closeBody closes req's body, as a RoundTripper must even when it sends
// nothing.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
