package retryhttp

import (
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
