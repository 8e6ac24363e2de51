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
// A BreakerRejected has op, attempt, breaker (the breaker's name), wait
// and elapsed; a BreakerStateChange has breaker, from, to and reason, and,
// when it opens, until and break. A HedgeStarted has op, attempt,
// in_flight and elapsed; a HedgeWon op, attempt, hedge and elapsed; a
// HedgeCancelled op, attempt, losers and elapsed.
//
// Levels: Success is Debug, Retry is Info, and the events that end a call in
// failure are Warn. A BreakerRejected is Debug, as there is one per refused
// attempt; a BreakerStateChange is Warn when the breaker opens, Info
// otherwise. The hedging events are Debug. Nothing is built for a level the logger does not enable.
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

	keyBreaker = "breaker"
	keyWait    = "wait"
	keyFrom    = "from"
	keyTo      = "to"
	keyReason  = "reason"
	keyUntil   = "until"
	keyBreak   = "break"

	keyInFlight = "in_flight"
	keyHedge    = "hedge"
	keyLosers   = "losers"
)

// String returns "observe.Slog(…)".
func (s slogSubscriber) String() string { return "observe.Slog(…)" }

func (s slogSubscriber) Handle(ctx context.Context, e Event) {
	l := s.l
	if l == nil {
		l = slog.Default()
	}
	level := slog.LevelWarn
	switch e := e.(type) {
	case Success, BreakerRejected, HedgeStarted, HedgeWon, HedgeCancelled:
		level = slog.LevelDebug
	case Retry:
		level = slog.LevelInfo
	case BreakerStateChange:
		if e.To != BreakerOpen {
			level = slog.LevelInfo
		}
	}
	if !l.Enabled(ctx, level) {
		return
	}
	l.LogAttrs(ctx, level, e.Kind().String(), attrs(e)...)
}

// attrs returns e's fields as slog attributes.
func attrs(e Event) []slog.Attr {
	switch e := e.(type) {
	case BreakerStateChange:
		as := []slog.Attr{slog.String(keyBreaker, e.Breaker), slog.String(keyFrom, e.From.String()), slog.String(keyTo, e.To.String()), slog.String(keyReason, e.Reason.String())}
		if e.To == BreakerOpen {
			as = append(as, slog.Time(keyUntil, e.Until), slog.Duration(keyBreak, e.Break))
		}
		return as
	case BreakerRejected:
		return []slog.Attr{slog.String(keyOp, e.Operation), slog.Int(keyAttempt, e.Attempt), slog.String(keyBreaker, e.Breaker), slog.Duration(keyWait, e.Wait), slog.Duration(keyElapsed, e.Elapsed)}
	case HedgeStarted:
		return []slog.Attr{slog.String(keyOp, e.Operation), slog.Int(keyAttempt, e.Attempt), slog.Int(keyInFlight, e.InFlight), slog.Duration(keyElapsed, e.Elapsed)}
	case HedgeWon:
		return []slog.Attr{slog.String(keyOp, e.Operation), slog.Int(keyAttempt, e.Attempt), slog.Bool(keyHedge, e.Hedge), slog.Duration(keyElapsed, e.Elapsed)}
	case HedgeCancelled:
		return []slog.Attr{slog.String(keyOp, e.Operation), slog.Int(keyAttempt, e.Attempt), slog.Int(keyLosers, e.Losers), slog.Duration(keyElapsed, e.Elapsed)}
	}
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
