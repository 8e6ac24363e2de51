package retry_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// A call site can replace a bundle's subscribers, not only add to them:
// NoSubscribers removes the ones set before it, and a Subscribe after it
// adds anew.
func TestNoSubscribersReplacesABundlesSubscribers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var theirs, mine observe.Recorder
		bundle := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Subscribe(&theirs))
		f := newOp(transient)
		if _, err := retry.Do(t.Context(), f.do, bundle, retry.NoSubscribers(), retry.Subscribe(&mine)); err != nil {
			t.Fatalf("Do = %v; want success", err)
		}
		if n := len(theirs.Events()); n != 0 {
			t.Errorf("the bundle's subscriber got %d events; want none", n)
		}
		if n := len(mine.Events()); n != 2 {
			t.Errorf("the call site's subscriber got %d events; want 2 (retry, success)", n)
		}
		// The bundle itself is untouched.
		theirs.Reset()
		f = newOp(transient)
		retry.Do(t.Context(), f.do, bundle)
		if n := len(theirs.Events()); n != 2 {
			t.Errorf("the bundle's subscriber got %d events afterwards; want 2", n)
		}
	})
}

// A call whose subscribers are all removed builds no event.
func TestNoSubscribersBuildsNoEvent(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	var rec observe.Recorder
	bundle := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Subscribe(&rec))
	op := failTimes(2, transient)
	base := testing.AllocsPerRun(100, func() { retry.Do(ctx, op, retry.Backoff(backoff.Constant(0))) })
	got := testing.AllocsPerRun(100, func() { retry.Do(ctx, op, bundle, retry.NoSubscribers()) })
	if got != base {
		t.Errorf("Do(bundle, NoSubscribers()) after two retries: %v allocs; want %v, as with no subscriber", got, base)
	}
	if n := len(rec.Events()); n != 0 {
		t.Errorf("the removed subscriber got %d events; want none", n)
	}
	if got, want := retry.NoSubscribers().(interface{ String() string }).String(), "NoSubscribers()"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
