package main

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// newLogger returns the logger that the retry events are written to: text
// on w, Info and above (so retries and calls that gave up show, successes
// do not), without the time, with durations rounded, and with the number of
// the call that the event belongs to.
func newLogger(w io.Writer) *slog.Logger {
	h := slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch {
			case len(groups) == 0 && a.Key == slog.TimeKey:
				return slog.Attr{} // drop it: the output is read, not grepped
			case a.Value.Kind() == slog.KindDuration:
				return slog.Duration(a.Key, a.Value.Duration().Round(100*time.Microsecond))
			}
			return a
		},
	})
	return slog.New(callHandler{h})
}

type callKey struct{}

// withCall returns ctx carrying the number of a call.
func withCall(ctx context.Context, id int) context.Context {
	return context.WithValue(ctx, callKey{}, id)
}

// callHandler adds the number of the call to every record. It can, because
// the retry loop hands its subscribers the context passed to retry.Do.
type callHandler struct{ slog.Handler }

func (h callHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(callKey{}).(int); ok {
		r.AddAttrs(slog.Int("call", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h callHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return callHandler{h.Handler.WithAttrs(as)}
}

func (h callHandler) WithGroup(name string) slog.Handler {
	return callHandler{h.Handler.WithGroup(name)}
}
