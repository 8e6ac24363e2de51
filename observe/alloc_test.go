package observe_test

import (
	"bytes"
	"context"
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
