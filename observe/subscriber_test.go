package observe_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/reflexio-go/reflexio/observe"
)

// picky is a Selective subscriber that keeps what it receives.
type picky struct {
	observe.Recorder
	kinds observe.Set
}

func (p *picky) Kinds() observe.Set { return p.kinds }

// forbidden is a Selective subscriber that takes nothing and fails the test
// if it is called.
type forbidden struct{ t *testing.T }

func (f forbidden) Handle(_ context.Context, e observe.Event) {
	f.t.Errorf("a subscriber that takes no kind received %T", e)
}

func (forbidden) Kinds() observe.Set { return 0 }

// named is a plain subscriber that writes its name to a shared log.
type named struct {
	name string
	log  *[]string
}

func (n named) Handle(_ context.Context, e observe.Event) {
	*n.log = append(*n.log, n.name+" "+e.Kind().String())
}

// only returns the events of evs whose kinds are in s.
func only(s observe.Set, evs []observe.Event) []observe.Event {
	var out []observe.Event
	for _, e := range evs {
		if s.Has(e.Kind()) {
			out = append(out, e)
		}
	}
	return out
}

// handleAll passes every event of events() to s.
func handleAll(s observe.Subscriber) {
	for _, e := range events() {
		s.Handle(context.Background(), e)
	}
}

func TestKindsOf(t *testing.T) {
	tests := []struct {
		name string
		s    observe.Subscriber
		want observe.Set
	}{
		{"nil takes nothing", nil, 0},
		{"plain subscriber takes every kind", &observe.Recorder{}, observe.All},
		{"Slog takes every kind", observe.Slog(nil), observe.All},
		{"Selective takes its kinds", &picky{kinds: observe.SetOf(observe.KindRetry, observe.KindCancelled)}, observe.SetOf(observe.KindRetry, observe.KindCancelled)},
		{"Selective may take nothing", forbidden{t}, 0},
	}
	for _, tt := range tests {
		if got := observe.KindsOf(tt.s); got != tt.want {
			t.Errorf("%s: KindsOf(%T) = %v; want %v", tt.name, tt.s, got, tt.want)
		}
	}
}

// testFunc checks Func[E] for an event struct E: it takes E's kind alone and
// calls its function with exactly the events of type E.
func testFunc[E observe.Event](t *testing.T) {
	var got []observe.Event
	s := observe.Func(func(e E) { got = append(got, e) })
	var zero E
	want := observe.SetOf(zero.Kind())
	if k := observe.KindsOf(s); k != want {
		t.Errorf("KindsOf(Func[%T]) = %v; want %v", zero, k, want)
	}
	handleAll(s)
	if diff := cmp.Diff(only(want, events()), got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Func[%T] received (-want +got):\n%s", zero, diff)
	}
}

func TestFunc(t *testing.T) {
	t.Run("Success", testFunc[observe.Success])
	t.Run("Retry", testFunc[observe.Retry])
	t.Run("PermanentFailure", testFunc[observe.PermanentFailure])
	t.Run("MaxAttemptsExceeded", testFunc[observe.MaxAttemptsExceeded])
	t.Run("MaxUnknownAttemptsExceeded", testFunc[observe.MaxUnknownAttemptsExceeded])
	t.Run("MaxClassAttemptsExceeded", testFunc[observe.MaxClassAttemptsExceeded])
	t.Run("DeadlineExceeded", testFunc[observe.DeadlineExceeded])
	t.Run("Cancelled", testFunc[observe.Cancelled])
	t.Run("BudgetExhausted", testFunc[observe.BudgetExhausted])
}

func TestFuncOfEventTakesEveryEvent(t *testing.T) {
	var got []observe.Event
	s := observe.Func(func(e observe.Event) { got = append(got, e) })
	if k := observe.KindsOf(s); k != observe.All {
		t.Errorf("KindsOf(Func[Event]) = %v; want All", k)
	}
	handleAll(s)
	if diff := cmp.Diff(events(), got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Func[Event] received (-want +got):\n%s", diff)
	}
}

// Func of a nil function or of a pointer event type used to panic when it
// was made; it now takes no event, never calls anything, and Validate, which
// retry.Subscribe calls, says why.
func TestFuncInvalid(t *testing.T) {
	tests := []struct {
		name string
		f    func() observe.Subscriber
		want string
	}{
		{
			"nil function",
			func() observe.Subscriber { return observe.Func[observe.Retry](nil) },
			"observe.Func[observe.Retry]: function is nil",
		},
		{
			"nil function of every event",
			func() observe.Subscriber { return observe.Func[observe.Event](nil) },
			"observe.Func[observe.Event]: function is nil",
		},
		{
			"pointer event type",
			func() observe.Subscriber { return observe.Func(func(*observe.Retry) {}) },
			"observe.Func[*observe.Retry]: events are sent as values; use Func[observe.Retry]",
		},
		{
			"nil function of a pointer event type",
			func() observe.Subscriber { return observe.Func[*observe.Retry](nil) },
			"observe.Func[*observe.Retry]: events are sent as values; use Func[observe.Retry]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("panic: %v; want none", p)
				}
			}()
			s := tt.f()
			if err := observe.Validate(s); err == nil || err.Error() != tt.want {
				t.Errorf("Validate(%v) = %v; want %s", s, err, tt.want)
			}
			if k := observe.KindsOf(s); k != 0 {
				t.Errorf("KindsOf(%v) = %v; want 0", s, k)
			}
			handleAll(s) // calls nothing, panics not
		})
	}
}

func TestMultiCallsMembersInOrder(t *testing.T) {
	var log []string
	m := observe.Multi(named{"a", &log}, nil, named{"b", &log}, named{"c", &log})
	m.Handle(context.Background(), observe.Retry{})
	m.Handle(context.Background(), observe.Success{})
	want := []string{"a retry", "b retry", "c retry", "a success", "b success", "c success"}
	if diff := cmp.Diff(want, log); diff != "" {
		t.Errorf("Multi's members were called (-want +got):\n%s", diff)
	}
}

func TestMultiSkipsNil(t *testing.T) {
	tests := []struct {
		name string
		subs []observe.Subscriber
	}{
		{"no members", nil},
		{"only nil", []observe.Subscriber{nil, nil}},
		{"nil around a member", []observe.Subscriber{nil, observe.Func(func(observe.Retry) {}), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := observe.Multi(tt.subs...)
			handleAll(m) // must not panic
			var want observe.Set
			for _, s := range tt.subs {
				want |= observe.KindsOf(s)
			}
			if got := observe.KindsOf(m); got != want {
				t.Errorf("KindsOf(Multi) = %v; want %v", got, want)
			}
		})
	}
}

func TestMultiFiltersPerMember(t *testing.T) {
	retries := &picky{kinds: observe.SetOf(observe.KindRetry)}
	ends := &picky{kinds: observe.SetOf(observe.KindSuccess, observe.KindCancelled)}
	all := &observe.Recorder{}
	m := observe.Multi(retries, ends, all, forbidden{t})

	want := observe.SetOf(observe.KindRetry, observe.KindSuccess, observe.KindCancelled) | observe.All
	if got := observe.KindsOf(m); got != want {
		t.Errorf("KindsOf(Multi) = %v; want %v", got, want)
	}
	handleAll(m)
	for _, tt := range []struct {
		name string
		r    *observe.Recorder
		want []observe.Event
	}{
		{"retries", &retries.Recorder, only(retries.kinds, events())},
		{"ends", &ends.Recorder, only(ends.kinds, events())},
		{"plain", all, events()},
	} {
		if diff := cmp.Diff(tt.want, tt.r.Events(), cmpopts.EquateErrors()); diff != "" {
			t.Errorf("member %s received (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestMultiTakesTheUnionOfItsMembersKinds(t *testing.T) {
	tests := []struct {
		name string
		subs []observe.Subscriber
		want observe.Set
	}{
		{"empty takes nothing", nil, 0},
		{"one typed Func", []observe.Subscriber{observe.Func(func(observe.Retry) {})}, observe.SetOf(observe.KindRetry)},
		{
			"two typed Funcs",
			[]observe.Subscriber{observe.Func(func(observe.Retry) {}), observe.Func(func(observe.DeadlineExceeded) {})},
			observe.SetOf(observe.KindRetry, observe.KindDeadlineExceeded),
		},
		{"a plain member takes all", []observe.Subscriber{observe.Func(func(observe.Retry) {}), &observe.Recorder{}}, observe.All},
		{"a member that takes nothing adds nothing", []observe.Subscriber{forbidden{t}, observe.Func(func(observe.Success) {})}, observe.SetOf(observe.KindSuccess)},
	}
	for _, tt := range tests {
		if got := observe.KindsOf(observe.Multi(tt.subs...)); got != tt.want {
			t.Errorf("%s: KindsOf(Multi) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestMultiNested(t *testing.T) {
	var log []string
	retries := observe.Func(func(e observe.Retry) { log = append(log, "inner retry") })
	failures := &picky{kinds: observe.SetOf(observe.KindPermanentFailure)}
	inner := observe.Multi(retries, failures)
	outer := observe.Multi(named{"before", &log}, inner, observe.Func(func(e observe.Success) { log = append(log, "outer success") }))

	want := observe.SetOf(observe.KindRetry, observe.KindPermanentFailure)
	if got := observe.KindsOf(inner); got != want {
		t.Errorf("KindsOf(inner Multi) = %v; want %v", got, want)
	}
	if got := observe.KindsOf(outer); got != observe.All {
		t.Errorf("KindsOf(outer Multi) = %v; want All", got)
	}

	handleAll(outer)
	wantLog := []string{
		"before success", "outer success",
		"before retry", "inner retry",
		"before permanent_failure", // and failures, checked below
		"before max_attempts_exceeded",
		"before max_unknown_attempts_exceeded",
		"before max_class_attempts_exceeded",
		"before deadline_exceeded",
		"before cancelled",
		"before budget_exhausted",
		"before breaker_state_change",
		"before breaker_rejected",
		"before hedge_started",
		"before hedge_won",
		"before hedge_cancelled",
	}
	if diff := cmp.Diff(wantLog, log); diff != "" {
		t.Errorf("nested Multi called (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(only(failures.kinds, events()), failures.Events(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("inner member received (-want +got):\n%s", diff)
	}
}

// TestMultiKeepsNoReferenceToItsArgument checks that changing the slice
// passed to Multi afterwards changes nothing.
func TestMultiKeepsNoReferenceToItsArgument(t *testing.T) {
	var log []string
	subs := []observe.Subscriber{named{"a", &log}}
	m := observe.Multi(subs...)
	subs[0] = named{"b", &log}
	m.Handle(context.Background(), observe.Retry{})
	if got := strings.Join(log, ","); got != "a retry" {
		t.Errorf("after changing the argument, Multi called %q; want %q", got, "a retry")
	}
}
