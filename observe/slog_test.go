package observe_test

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// textLogger returns a logger that writes text records without their time
// to buf, at level and above.
func textLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level:       level,
		ReplaceAttr: dropTime,
	}))
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// lines returns the lines of buf, nil if it is empty.
func lines(buf *bytes.Buffer) []string {
	s := strings.TrimSuffix(buf.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestSlogWritesEveryKind(t *testing.T) {
	var buf bytes.Buffer
	handleAll(observe.Slog(textLogger(&buf, slog.LevelDebug)))
	want := []string{
		`level=DEBUG msg=success op=users.get attempt=3 elapsed=750ms`,
		`level=INFO msg=retry op=users.get attempt=1 class=Transient err="connection reset" delay=250ms elapsed=10ms`,
		`level=WARN msg=permanent_failure op=users.get attempt=2 class=Permanent err="permission denied" elapsed=1s`,
		`level=WARN msg=max_attempts_exceeded op=users.get attempt=6 class=ServerError err="connection reset" elapsed=9s`,
		`level=WARN msg=max_unknown_attempts_exceeded op=users.get attempt=2 class=Unknown err="connection reset" elapsed=300ms`,
		`level=WARN msg=max_class_attempts_exceeded op=users.get attempt=4 class=RateLimit err="connection reset" elapsed=5s`,
		`level=WARN msg=deadline_exceeded op=users.get attempt=5 class=Transient err="connection reset" delay=2s elapsed=29s`,
		`level=WARN msg=cancelled op=users.get attempt=2 class=Transient err="connection reset" cause="shutting down" elapsed=400ms`,
		`level=WARN msg=budget_exhausted op=users.get attempt=1 class=ServerError err="connection reset" delay=300ms elapsed=20ms`,
		`level=WARN msg=breaker_state_change breaker=users from=closed to=open reason=failure_ratio until=2026-12-07T00:00:05.000Z break=5s`,
		`level=DEBUG msg=breaker_rejected op=users.get attempt=1 breaker=users wait=2s elapsed=30ms`,
		`level=DEBUG msg=hedge_started op=users.get attempt=2 in_flight=2 elapsed=50ms`,
		`level=DEBUG msg=hedge_won op=users.get attempt=2 hedge=true elapsed=60ms`,
		`level=DEBUG msg=hedge_cancelled op=users.get attempt=2 losers=1 elapsed=60ms`,
	}
	if diff := cmp.Diff(want, lines(&buf)); diff != "" {
		t.Errorf("Slog output (-want +got):\n%s", diff)
	}
}

func TestSlogOptionalAttributes(t *testing.T) {
	tests := []struct {
		name string
		e    observe.Event
		want string
	}{
		{
			"Retry without a wait still tells its delay",
			observe.Retry{Operation: "q.pop", Attempt: 1, Class: classify.Concurrency, Err: errReset},
			`level=INFO msg=retry op=q.pop attempt=1 class=Concurrency err="connection reset" delay=0s elapsed=0s`,
		},
		{
			"deadline passed, no wait planned",
			observe.DeadlineExceeded{Operation: "q.pop", Attempt: 3, Class: classify.Transient, Err: errReset, Elapsed: time.Minute},
			`level=WARN msg=deadline_exceeded op=q.pop attempt=3 class=Transient err="connection reset" elapsed=1m0s`,
		},
		{
			"the context's deadline passed",
			observe.DeadlineExceeded{Operation: "q.pop", Attempt: 2, Class: classify.Transient, Err: errReset, Cause: context.DeadlineExceeded, Elapsed: time.Second},
			`level=WARN msg=deadline_exceeded op=q.pop attempt=2 class=Transient err="connection reset" cause="context deadline exceeded" elapsed=1s`,
		},
		{
			"deadline passed before any attempt",
			observe.DeadlineExceeded{Operation: "q.pop"},
			`level=WARN msg=deadline_exceeded op=q.pop attempt=0 elapsed=0s`,
		},
		{
			"cancelled before any attempt",
			observe.Cancelled{Operation: "q.pop", Cause: context.Canceled},
			`level=WARN msg=cancelled op=q.pop attempt=0 cause="context canceled" elapsed=0s`,
		},
		{
			"a breaker that half-opens tells no time of opening",
			observe.BreakerStateChange{Breaker: "users", From: observe.BreakerOpen, To: observe.BreakerHalfOpen, Reason: observe.BreakerBreakElapsed},
			`level=INFO msg=breaker_state_change breaker=users from=open to=half_open reason=break_elapsed`,
		},
		{
			"a breaker that closes is Info",
			observe.BreakerStateChange{Breaker: "users", From: observe.BreakerHalfOpen, To: observe.BreakerClosed, Reason: observe.BreakerProbesSucceeded},
			`level=INFO msg=breaker_state_change breaker=users from=half_open to=closed reason=probes_succeeded`,
		},
		{
			"no operation name",
			observe.Success{Attempt: 1, Elapsed: time.Millisecond},
			`level=DEBUG msg=success op="" attempt=1 elapsed=1ms`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			observe.Slog(textLogger(&buf, slog.LevelDebug)).Handle(context.Background(), tt.e)
			if got := strings.TrimSuffix(buf.String(), "\n"); got != tt.want {
				t.Errorf("Slog wrote\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSlogLevels(t *testing.T) {
	failures := []string{
		"permanent_failure",
		"max_attempts_exceeded",
		"max_unknown_attempts_exceeded",
		"max_class_attempts_exceeded",
		"deadline_exceeded",
		"cancelled",
		"budget_exhausted",
	}
	tests := []struct {
		level slog.Level
		want  []string // messages written
	}{
		{slog.LevelDebug, append(append([]string{"success", "retry"}, failures...), "breaker_state_change", "breaker_rejected", "hedge_started", "hedge_won", "hedge_cancelled")},
		{slog.LevelInfo, append(append([]string{"retry"}, failures...), "breaker_state_change")},
		{slog.LevelWarn, append(failures, "breaker_state_change")}, // it opens
		{slog.LevelError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			h := &capture{level: tt.level}
			handleAll(observe.Slog(slog.New(h)))
			var got []string
			for _, r := range h.records {
				got = append(got, r.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages written at level %v (-want +got):\n%s", tt.level, diff)
			}
		})
	}
}

// countingErr counts the calls of its Error method.
type countingErr struct{ calls *int }

func (e countingErr) Error() string {
	*e.calls++
	return "counted"
}

func TestSlogBuildsNothingForADisabledLevel(t *testing.T) {
	var buf bytes.Buffer
	calls := 0
	err := countingErr{&calls}
	s := observe.Slog(textLogger(&buf, slog.LevelError))
	for _, e := range []observe.Event{
		observe.Retry{Err: err},
		observe.PermanentFailure{Err: err},
		observe.Cancelled{Err: err, Cause: err},
	} {
		s.Handle(context.Background(), e)
	}
	if buf.Len() != 0 {
		t.Errorf("Slog at level Error wrote %q; want nothing", buf.String())
	}
	if calls != 0 {
		t.Errorf("Slog at level Error called Error %d times; want 0", calls)
	}
}

func TestSlogPassesTheContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "span-1")
	h := &capture{level: slog.LevelDebug}
	observe.Slog(slog.New(h)).Handle(ctx, observe.Success{})
	if len(h.records) != 1 {
		t.Fatalf("Slog wrote %d records; want 1", len(h.records))
	}
	if got := h.ctxs[0].Value(key{}); got != "span-1" {
		t.Errorf("handler's context has value %v; want span-1", got)
	}
	if got := h.enabledCtxs[0].Value(key{}); got != "span-1" {
		t.Errorf("Enabled's context has value %v; want span-1", got)
	}
}

// TestSlogNilLoggerUsesDefault sets the default logger; it must not run in
// parallel with other tests.
func TestSlogNilLoggerUsesDefault(t *testing.T) {
	s := observe.Slog(nil) // made before the default changes: it looks it up at each event

	old, oldOut, oldFlags := slog.Default(), log.Writer(), log.Flags()
	t.Cleanup(func() {
		slog.SetDefault(old)
		log.SetOutput(oldOut) // slog.SetDefault redirects package log
		log.SetFlags(oldFlags)
	})
	var buf bytes.Buffer
	slog.SetDefault(textLogger(&buf, slog.LevelInfo))

	s.Handle(context.Background(), observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset, Delay: time.Second})
	s.Handle(context.Background(), observe.Success{Operation: "users.get", Attempt: 2}) // Debug: below the default's level
	want := []string{`level=INFO msg=retry op=users.get attempt=1 class=Transient err="connection reset" delay=1s elapsed=0s`}
	if diff := cmp.Diff(want, lines(&buf)); diff != "" {
		t.Errorf("Slog(nil) wrote to slog.Default() (-want +got):\n%s", diff)
	}
}

// capture is a slog.Handler that keeps the records it handles.
type capture struct {
	level       slog.Level
	records     []slog.Record
	ctxs        []context.Context
	enabledCtxs []context.Context
}

func (h *capture) Enabled(ctx context.Context, l slog.Level) bool {
	h.enabledCtxs = append(h.enabledCtxs, ctx)
	return l >= h.level
}

func (h *capture) Handle(ctx context.Context, r slog.Record) error {
	h.records = append(h.records, r.Clone())
	h.ctxs = append(h.ctxs, ctx)
	return nil
}

func (h *capture) WithAttrs([]slog.Attr) slog.Handler { panic("not used") }
func (h *capture) WithGroup(string) slog.Handler      { panic("not used") }

// A server's hint is logged beside the wait it led to, and only when there
// is one.
func TestSlogWritesTheServersHint(t *testing.T) {
	var buf bytes.Buffer
	s := observe.Slog(textLogger(&buf, slog.LevelInfo))
	s.Handle(context.Background(), observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.RateLimit, Err: errReset, Delay: 2200 * time.Millisecond, RetryAfter: 2 * time.Second})
	s.Handle(context.Background(), observe.Retry{Operation: "users.get", Attempt: 2, Class: classify.Transient, Err: errReset, Delay: time.Second})
	want := []string{
		`level=INFO msg=retry op=users.get attempt=1 class=RateLimit err="connection reset" delay=2.2s retry_after=2s elapsed=0s`,
		`level=INFO msg=retry op=users.get attempt=2 class=Transient err="connection reset" delay=1s elapsed=0s`,
	}
	if diff := cmp.Diff(want, lines(&buf)); diff != "" {
		t.Errorf("Slog output (-want +got):\n%s", diff)
	}
}
