package retryhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// Do sends req with client and decodes its response with decode, and does
// both again while either fails and the retry loop allows: reading the
// body is part of the attempt, so a connection cut in the middle of a body
// is retried like one cut before the headers. It returns decode's value,
// or the *retry.Error that says why the loop gave up, with the last
// attempt's error: a body cut short is found with errors.Is(err,
// io.ErrUnexpectedEOF).
//
//	user, err := retryhttp.Do(client, req, func(resp *http.Response) (User, error) {
//		var u User
//		err := json.NewDecoder(resp.Body).Decode(&u)
//		return u, err
//	})
//
// req's context bounds the whole call, as it bounds client.Do, and
// retry.AttemptTimeout bounds each attempt, reading and decoding
// included; a nil client is http.DefaultClient. Each attempt sends a copy of req with a
// context of its own, and its body, replayed from req.GetBody after the
// first, as a Transport does. The request is sent again only if it is
// idempotent, by the rule of the client's Transport if it is a
// [*Transport] (see [Idempotent]), by [IsIdempotent] otherwise, and its
// body can be replayed; otherwise it is sent once (the error says why:
// [ErrNotIdempotent], [ErrBodyNotReplayable]).
//
// decode gets every response, whatever its status, and Do closes the body
// when decode returns, having drained what decode left of it (within
// bounds), or when it panics. An attempt fails if decode returns an error,
// or if the status is from 400 to 599: then its error is a [*StatusError],
// classified by its status as a Transport's is (a 503 is retried, after
// its Retry-After if it has one; a 404 is not), with decode's error, if
// any, beside it in the tree, where a class marker of decode's (such as
// classify.MarkPermanent) comes first; to take such a status as an
// answer, a 404 for instance, find the *StatusError in Do's error with
// errors.As. An error of decode's on another
// status goes to the classifier as it is, with the body's read error in
// the tree even if decode's error drops it: a body cut short
// (io.ErrUnexpectedEOF), a connection reset or a timeout are Transient to
// classify.Default, a decoding error is Unknown unless decode marks it.
//
// The retry options are, in order: the name "METHOD host"; then, if the
// client's Transport is a *Transport, its own (its budget per host or
// shared, and the options of its Retry); then opts. If the client's
// Transport is another RoundTripper, there is no budget unless opts give
// one. A Transport under client, at whatever depth, sends Do's attempts
// once, without retrying them itself: Do's loop is the only one, so that
// attempts do not multiply. (It knows them by their context: a request
// that decode would send with resp.Request.Context() is sent once too.)
//
// retry.ClassifyResult among opts classifies decode's values: one that it
// rejects fails the attempt as an error of its class would, and when the
// call gives up after it, Do returns that value with the *retry.Error,
// which errors.Is(err, retry.ErrRejected) then tells. A result classifier
// among the options of the client's Transport, for its responses (see
// "Classifying responses" in the package documentation), is left out:
// decode sees every response.
//
// Errors and events are redacted as a Transport's are: none holds the
// user info, query or fragment of req's URL, or of a URL it was
// redirected to. An invalid option, a nil request or a nil decode fails
// the call before anything is sent, with an error matching
// retry.ErrInvalidOption.
func Do[T any](client *http.Client, req *http.Request, decode func(*http.Response) (T, error), opts ...retry.Option) (T, error) {
	var v T
	c, err := newDoCall(client, req, decode == nil)
	if err != nil {
		return v, err
	}
	v, err = retry.Do(c.ctx, func(ctx context.Context) (T, error) {
		var v T
		resp, err := c.send(ctx)
		if err != nil {
			return v, err
		}
		defer c.finish(resp) // also when decode panics
		v, err = decode(resp)
		if err := c.check(resp, err); err != nil {
			var zero T
			return zero, err
		}
		return v, nil
	}, c.doOptions(opts, acceptAll[T])...)
	if !c.sent {
		closeBody(req) // the loop gave up before the first attempt
	}
	return v, err
}

// acceptAll returns a result classifier of Ts that accepts every value.
func acceptAll[T any]() retry.Option {
	return retry.ClassifyResult(func(T) (classify.Class, bool) { return 0, false })
}

// defaultTransport is the Transport whose rules Do follows for a client
// whose Transport is not a *Transport. Do only reads it.
var defaultTransport Transport

// doCall is the state of one call of Do.
type doCall struct {
	call
	client  *http.Client
	adopted bool // the client's Transport is c.t

	// The response of the running attempt.
	cancel context.CancelCauseFunc // its request's context
	rbody  *readErrorBody          // its body, as Do gave it to decode
}

// newDoCall checks Do's arguments and returns the state of its call, or
// an error, having closed req's body.
func newDoCall(client *http.Client, req *http.Request, noDecode bool) (*doCall, error) {
	var err error
	switch {
	case req == nil:
		return nil, optionError("Do", "request is nil")
	case noDecode:
		err = optionError("Do", "decode is nil")
	case req.URL == nil:
		err = errors.New("retryhttp: request has no URL")
	}
	if client == nil {
		client = http.DefaultClient
	}
	t, adopted := client.Transport.(*Transport)
	if !adopted {
		t = &defaultTransport
	}
	if err == nil && t.err != nil {
		err = t.err
	}
	if err != nil {
		closeBody(req)
		return nil, err
	}
	c := &doCall{call: *newCall(t, req), client: client, adopted: adopted}
	c.reason = t.reasonNotToRetry(req)
	return c, nil
}

// doOptions returns the retry options of c: see Do. accept returns a
// result classifier of Do's values that accepts them all: it takes the
// place of one for the Transport's responses, if its options have one,
// which would fail a call of Do for another type.
func (c *doCall) doOptions(opts []retry.Option, accept func() retry.Option) []retry.Option {
	var b *breaker.Breaker
	if c.adopted {
		b = c.t.breakerFor(c.req.URL)
	}
	o := make([]retry.Option, 0, 5+btoi(b != nil)+len(opts))
	o = append(o, retry.Name(c.method+" "+c.host))
	if c.adopted {
		o = append(o, c.t.budgetFor(c.req.URL))
		if b != nil {
			o = append(o, retry.Breaker(b))
		}
		if c.t.retry != nil {
			o = append(o, c.t.retry, accept())
		}
	}
	o = append(o, opts...)
	if c.reason != nil {
		o = append(o, retry.MaxAttempts(1))
	}
	return o
}

// sendOnce is the key of a context value that tells a Transport to send
// the request once, without retrying it: Do's loop retries it.
type sendOnce struct{}

// send sends an attempt at c.req, with ctx, the attempt's context, and
// returns its response, with a body that records its read error.
func (c *doCall) send(ctx context.Context) (*http.Response, error) {
	first := !c.sent
	c.sent = true
	body, err := c.body(first)
	if err != nil {
		return nil, classify.MarkPermanent(c.transportError(err))
	}
	ctx, cancel := context.WithCancelCause(context.WithValue(ctx, sendOnce{}, true))
	r := c.req.WithContext(ctx)
	r.Body = body
	resp, err := c.client.Do(r)
	if err != nil {
		cancel(nil)
		// The client's error is a *url.Error, which names the method and
		// URL: no prefix, and the classifier knows it.
		return nil, c.failure(redact("", err, c.secrets()))
	}
	c.cancel = cancel
	c.rbody = &readErrorBody{ReadCloser: resp.Body}
	resp.Body = c.rbody
	return resp, nil
}

// finish drains and closes the body of resp, and releases its context.
func (c *doCall) finish(resp *http.Response) {
	resp.Body = c.rbody // whatever decode did with it
	drain(resp, c.cancel)
	c.cancel(nil)
}

// check returns the error of an attempt whose response is resp and whose
// decode returned err, or nil if it succeeded.
func (c *doCall) check(resp *http.Response, err error) error {
	if err != nil && c.rbody.err != nil && !errors.Is(err, c.rbody.err) {
		err = &readError{err: err, read: c.rbody.err}
	}
	secrets := c.secrets()
	if u := resp.Request; u != nil && u.URL != c.req.URL && hasSecrets(u.URL) {
		secrets = append(secrets, u.URL) // redirected
	}
	if resp.StatusCode >= 400 && resp.StatusCode <= 599 {
		status := newStatusError(&c.call, resp, time.Now())
		if err == nil {
			return c.failure(status)
		}
		return c.failure(&decodeError{status: status, err: redact("", err, secrets)})
	}
	if err != nil {
		return c.failure(redact(c.method+" "+c.host+": ", err, secrets))
	}
	return nil
}

// readErrorBody is a response body that keeps the first error of its
// reads but io.EOF.
type readErrorBody struct {
	io.ReadCloser
	err error
}

func (b *readErrorBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// readError is decode's error, which does not wrap the body's read error,
// with the read error beside it, for classifiers and errors.Is.
type readError struct {
	err, read error
}

func (e *readError) Error() string { return e.err.Error() }

func (e *readError) Unwrap() []error { return []error{e.err, e.read} }

// decodeError is the error of an attempt whose response has a status of
// 400 to 599 and whose decode failed: both are in its tree, the status
// first.
type decodeError struct {
	status *StatusError
	err    error
}

func (e *decodeError) Error() string { return e.status.Error() + ": " + e.err.Error() }

func (e *decodeError) Unwrap() []error { return []error{e.status, e.err} }
