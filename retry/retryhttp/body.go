package retryhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// A discarded response is drained before it is closed, so that its
// connection can serve the next attempt, but only so far: a body longer
// than maxDrain, or slower than drainTimeout, costs a new connection
// rather than the caller's time.
const (
	maxDrain     = 64 << 10
	drainTimeout = 500 * time.Millisecond
)

// drain reads what is left of resp's body, within the bounds above, and
// closes it. cancel cancels the context of resp's request, which ends a
// read that takes too long.
func drain(resp *http.Response, cancel context.CancelCauseFunc) {
	if resp.Body == nil {
		return
	}
	if resp.ContentLength <= maxDrain { // -1: unknown
		timer := time.AfterFunc(drainTimeout, func() { cancel(errDrainTimeout) })
		io.CopyN(io.Discard, resp.Body, maxDrain)
		timer.Stop()
	}
	resp.Body.Close()
}

var errDrainTimeout = errors.New("retryhttp: draining a discarded response took too long")

// settle reads the body of resp, a response with a failing status, in
// the attempt that got it, before the loop decides whether to retry: up to
// maxDrain bytes (or its declared length, if shorter), within
// drainTimeout. A body that ends within that is closed at once, which
// frees its connection for the next attempt, and resp gets a body that
// holds what was read, so that a response handed back on giving up reads
// in full. A body that does not arrive in time reads, after what came, the
// error of its cut. A body longer than that, or than it said, stays open
// and reads on from where settle stopped: the next attempt discards it,
// with drain, or RoundTrip hands it back. A body that declares more than
// maxDrain is left as it is.
func settle(resp *http.Response, cancel context.CancelCauseFunc) {
	if resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength > maxDrain {
		return
	}
	// One byte more than the body said, or than maxDrain, to see it end.
	timer := time.AfterFunc(drainTimeout, func() { cancel(errDrainTimeout) })
	buf, more, err := readSome(resp.Body, resp.ContentLength)
	timer.Stop()
	if more { // the rest stays on the wire
		resp.Body = &prefixed{io.MultiReader(bytes.NewReader(buf), resp.Body), resp.Body}
		return
	}
	if err == nil {
		err = io.EOF // the whole body
	}
	resp.Body.Close()
	resp.Body = &readBody{buf, err}
}

// readSome reads body, of the declared length n (-1: unknown): all of it,
// if it ends within n or maxDrain bytes, with a nil error; or the first
// n+1 (maxDrain+1) bytes and more; or what came before err, its cut. A
// body of known length is read into one buffer of that length.
func readSome(body io.Reader, n int64) (buf []byte, more bool, err error) {
	if n < 0 {
		buf, err = io.ReadAll(io.LimitReader(body, maxDrain+1))
		return buf, err == nil && len(buf) > maxDrain, err
	}
	buf = make([]byte, n+1)
	got, err := io.ReadFull(body, buf)
	switch {
	case err == nil:
		return buf, true, nil // longer than it said
	case int64(got) == n && (err == io.EOF || err == io.ErrUnexpectedEOF):
		return buf[:got], false, nil
	case err == io.EOF: // nothing came of what it said
		err = io.ErrUnexpectedEOF
	}
	return buf[:got], false, err
}

// readBody is a body that was read whole, or up to err, and closed: it
// reads what was read, then err.
type readBody struct {
	b   []byte
	err error
}

func (r *readBody) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.err
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *readBody) Close() error { return nil }

// prefixed is a body of which a prefix was read: it reads it again, then
// the rest.
type prefixed struct {
	io.Reader
	io.Closer
}

// closeResponse closes the body of resp, a response that nobody will read.
func closeResponse(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}

// withCancel returns body, which cancels cancel after it is closed. It
// keeps the io.Writer of a body that has one: that of a 101 Switching
// Protocols response, the connection itself.
func withCancel(body io.ReadCloser, cancel context.CancelCauseFunc) io.ReadCloser {
	if rw, ok := body.(io.ReadWriteCloser); ok {
		return &cancelReadWriteCloser{rw, cancel}
	}
	return &cancelReadCloser{body, cancel}
}

type cancelReadCloser struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (b *cancelReadCloser) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

type cancelReadWriteCloser struct {
	io.ReadWriteCloser
	cancel context.CancelCauseFunc
}

func (b *cancelReadWriteCloser) Close() error {
	err := b.ReadWriteCloser.Close()
	b.cancel(nil)
	return err
}

// ReadBody reads the body of resp to its end, closes it, and gives resp a
// body that reads the same bytes again, from the start: so that a result
// classifier (see "Classifying responses" in the package documentation)
// can judge a response by its body, and the response still reaches its
// caller whole, whether the Transport returns it as accepted or as the
// last one it rejected. Reading the body to its end frees its connection
// at once, for the next attempt or another request.
//
//	retry.ClassifyResult(func(resp *http.Response) (classify.Class, bool) {
//		body, err := retryhttp.ReadBody(resp)
//		if err != nil {
//			return classify.Transient, true // cut short: ask again
//		}
//		return classify.Transient, bytes.Contains(body, []byte("try again"))
//	})
//
// If the body fails before its end, ReadBody returns what came and the
// error, and resp's new body reads the same: what came, then the error. A
// response without a body reads as empty. The bytes ReadBody returns are
// those that resp's new body reads: do not modify them. ReadBody reads the
// whole body, however long, for as long as it takes, within the request's
// context (retry.AttemptTimeout ends when the response's headers arrive):
// use it on the short answers that classifiers read, not on downloads.
func ReadBody(resp *http.Response) ([]byte, error) {
	if resp == nil || resp.Body == nil || resp.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	end := err
	if end == nil {
		end = io.EOF
	}
	resp.Body = &readBody{b, end}
	return b, err
}
