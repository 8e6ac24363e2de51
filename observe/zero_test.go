package observe_test

import (
	"context"
	"testing"

	"github.com/reflexio-go/reflexio/observe"
)

// The zero values of the package's types do what their docs say.
func TestZeroValues(t *testing.T) {
	var k observe.Kind
	if got, want := k.String(), "Kind(0)"; got != want {
		t.Errorf("Kind(0).String() = %q; want %q", got, want)
	}
	if observe.All.Has(k) || observe.SetOf(k) != 0 {
		t.Errorf("Kind(0) is in All or SetOf(Kind(0)) = %v; want it in no set", observe.SetOf(k))
	}

	var s observe.Set
	if s.String() != "0" || s.Has(observe.KindRetry) {
		t.Errorf("zero Set = %v; want empty, printed as 0", s)
	}

	if got := observe.InfoOf(nil); got != (observe.Info{}) {
		t.Errorf("InfoOf(nil) = %+v; want the zero Info", got)
	}

	var rec observe.Recorder
	if rec.Events() != nil || rec.Count(observe.KindRetry) != 0 {
		t.Errorf("zero Recorder holds %v; want nothing", rec.Events())
	}
	rec.Handle(context.Background(), observe.Retry{Attempt: 1})
	if got := rec.Count(observe.KindRetry); got != 1 {
		t.Errorf("zero Recorder after one Retry: Count = %d; want 1", got)
	}

	var sub observe.Subscriber
	if observe.KindsOf(sub) != 0 || observe.Validate(sub) == nil {
		t.Errorf("nil Subscriber: KindsOf = %v, Validate = %v; want no kinds and an error", observe.KindsOf(sub), observe.Validate(sub))
	}
	if m := observe.Multi(sub, &rec); observe.Validate(m) != nil || observe.KindsOf(m) != observe.All {
		t.Errorf("Multi(nil, &rec): Validate = %v, KindsOf = %v; want nil, All: the nil member skipped", observe.Validate(m), observe.KindsOf(m))
	}
}
