package observe_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

func wantAllocs(t *testing.T, name string, want float64, f func()) {
	t.Helper()
	if got := testing.AllocsPerRun(100, f); got != want {
		t.Errorf("%s: %v allocations per run; want %v", name, got, want)
	}
}

// sink keeps what a measured function makes, so that it escapes.
var sink observe.Subscriber

// count is a function of one event type that keeps no state.
func count(observe.Retry) {}

func TestHandleAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	var e observe.Event = observe.Retry{Operation: "users.get", Attempt: 1, Class: classify.Transient, Err: errReset}
	var other observe.Event = observe.Success{Operation: "users.get", Attempt: 2}

	retries := 0
	f := observe.Func(func(observe.Retry) { retries++ })
	wantAllocs(t, "Func[Retry].Handle(Retry)", 0, func() { f.Handle(ctx, e) })
	wantAllocs(t, "Func[Retry].Handle(Success)", 0, func() { f.Handle(ctx, other) })

	all := observe.Func(func(observe.Event) { retries++ })
	wantAllocs(t, "Func[Event].Handle", 0, func() { all.Handle(ctx, e) })

	m := observe.Multi(f, all, observe.Func(func(observe.Success) {}))
	wantAllocs(t, "Multi.Handle", 0, func() { m.Handle(ctx, e) })

	// Func itself allocates nothing, so that a Func made at the call site
	// of retry.Do stays free.
	wantAllocs(t, "Func", 0, func() { sink = observe.Func(count) })

	var buf bytes.Buffer
	off := observe.Slog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError})))
	wantAllocs(t, "Slog.Handle at a disabled level", 0, func() { off.Handle(ctx, e) })
}

// "Nothing is built for a level the logger does not enable" (Slog), and
// "Func and Multi allocate nothing when they hand an event on" (the
// package's doc), for an event of every kind.
func TestHandleOfEveryKindAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	var buf bytes.Buffer
	off := observe.Slog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError})))
	n := 0
	all := observe.Func(func(observe.Event) { n++ })
	m := observe.Multi(all, observe.Func(count), observe.Func(func(observe.BreakerStateChange) { n++ }))
	var seen observe.Set
	for _, e := range events() {
		seen |= observe.SetOf(e.Kind())
		wantAllocs(t, fmt.Sprintf("Slog.Handle(%T) at a disabled level", e), 0, func() { off.Handle(ctx, e) })
		wantAllocs(t, fmt.Sprintf("Func[Event].Handle(%T)", e), 0, func() { all.Handle(ctx, e) })
		wantAllocs(t, fmt.Sprintf("Multi.Handle(%T)", e), 0, func() { m.Handle(ctx, e) })
	}
	if missing := observe.All &^ seen; missing != 0 {
		t.Errorf("events() has no event of the kinds %v", missing)
	}
	if buf.Len() != 0 {
		t.Errorf("Slog at level Error wrote %q; want nothing", buf.String())
	}
	if n == 0 {
		t.Error("the Funcs saw no event")
	}
}
