package observe

import (
	"context"
	"log/slog"
)

// Slog returns a Subscriber that writes every event to logger as one record,
// with the event's kind as the message ("retry", "success",
// "max_attempts_exceeded", …) and its fields as attributes, in this order:
// op, attempt, class and err (where the event follows a failed attempt),
// rejected (true, where that attempt's value was rejected rather than an
// error returned: see Info.Rejected), delay (where the event has a wait), retry_after (on Retry, where the
// server gave a hint), cause (on Cancelled and DeadlineExceeded, where a
// context or retry.Deadline ended the call), elapsed.
//
// Levels: Success is Debug, Retry is Info, and the events that end a call in
// failure are Warn. Nothing is built for a level the logger does not enable.
// A nil logger means slog.Default(), looked up at each event.
//
// To add attributes to every record, such as the dependency's name, pass
// logger.With(…).
func Slog(logger *slog.Logger) Subscriber {
	return slogSubscriber{logger}
}

type slogSubscriber struct{ l *slog.Logger }

// The attribute keys of Slog.
const (
	keyOp       = "op"
	keyAttempt  = "attempt"
	keyClass    = "class"
	keyDelay    = "delay"
	keyElapsed  = "elapsed"
	keyErr      = "err"
	keyCause    = "cause"
	keyHint     = "retry_after"
	keyRejected = "rejected"
)

// String returns "observe.Slog(…)".
func (s slogSubscriber) String() string { return "observe.Slog(…)" }

func (s slogSubscriber) Handle(ctx context.Context, e Event) {
	l := s.l
	if l == nil {
		l = slog.Default()
	}
	level := slog.LevelWarn
	switch e.(type) {
	case Success:
		level = slog.LevelDebug
	case Retry:
		level = slog.LevelInfo
	}
	if !l.Enabled(ctx, level) {
		return
	}
	l.LogAttrs(ctx, level, e.Kind().String(), attrs(e)...)
}

// attrs returns e's fields as slog attributes.
func attrs(e Event) []slog.Attr {
	f := InfoOf(e)
	as := make([]slog.Attr, 0, 8)
	as = append(as, slog.String(keyOp, f.Operation), slog.Int(keyAttempt, f.Attempt))
	if f.Failed {
		as = append(as, slog.String(keyClass, f.Class.String()), slog.Any(keyErr, f.Err))
		if f.Rejected {
			as = append(as, slog.Bool(keyRejected, true))
		}
	}
	switch e := e.(type) {
	case Retry:
		as = append(as, slog.Duration(keyDelay, f.Delay))
		if e.RetryAfter > 0 {
			as = append(as, slog.Duration(keyHint, e.RetryAfter))
		}
	case BudgetExhausted: // a wait, even of zero
		as = append(as, slog.Duration(keyDelay, f.Delay))
	default:
		if f.Delay > 0 {
			as = append(as, slog.Duration(keyDelay, f.Delay))
		}
	}
	if f.Cause != nil {
		as = append(as, slog.Any(keyCause, f.Cause))
	}
	return append(as, slog.Duration(keyElapsed, f.Elapsed))
}
