package observe_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/observe"
)

// funcSub is a subscriber of a user's own that is a function type.
type funcSub func(context.Context, observe.Event)

func (f funcSub) Handle(ctx context.Context, e observe.Event) { f(ctx, e) }

// nilPicky is a Selective subscriber whose Kinds dereferences it.
type nilPicky struct{ kinds observe.Set }

func (p *nilPicky) Handle(context.Context, observe.Event) {}
func (p *nilPicky) Kinds() observe.Set                    { return p.kinds }

// checkedSub is a subscriber of a user's own that checks itself.
type checkedSub struct{ err error }

func (checkedSub) Handle(context.Context, observe.Event) {}
func (s checkedSub) Validate() error                     { return s.err }

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		s    observe.Subscriber
	}{
		{"Recorder", &observe.Recorder{}},
		{"Slog of nil", observe.Slog(nil)},
		{"Func", observe.Func(func(observe.Retry) {})},
		{"Func of Event", observe.Func(func(observe.Event) {})},
		{"empty Multi", observe.Multi()},
		{"Multi of nils", observe.Multi(nil, (*observe.Recorder)(nil), funcSub(nil), (*nilPicky)(nil))},
		{"of your own", funcSub(func(context.Context, observe.Event) {})},
		{"of your own, checked", checkedSub{}},
	}
	for _, tt := range tests {
		if err := observe.Validate(tt.s); err != nil {
			t.Errorf("%s: Validate(%T) = %v; want nil", tt.name, tt.s, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	errMine := errors.New("mine is bad")
	tests := []struct {
		name string
		s    observe.Subscriber
		want string
	}{
		{"nil", nil, "observe: subscriber is nil"},
		{"nil Recorder", (*observe.Recorder)(nil), "observe: subscriber is a nil *observe.Recorder"},
		{"nil Selective", (*nilPicky)(nil), "observe: subscriber is a nil *observe_test.nilPicky"},
		{"nil func of your own", funcSub(nil), "observe: subscriber is a nil observe_test.funcSub"},
		{"Func of nil", observe.Func[observe.Cancelled](nil), "observe.Func[observe.Cancelled]: function is nil"},
		{"Multi with a Func of nil", observe.Multi(&observe.Recorder{}, observe.Func[observe.Retry](nil)), "observe.Func[observe.Retry]: function is nil"},
		{"Multi in a Multi", observe.Multi(observe.Multi(observe.Func(func(*observe.Success) {}))),
			"observe.Func[*observe.Success]: events are sent as values; use Func[observe.Success]"},
		{"of your own", checkedSub{errMine}, "mine is bad"},
		{"of your own in a Multi", observe.Multi(checkedSub{errMine}), "mine is bad"},
	}
	for _, tt := range tests {
		err := observe.Validate(tt.s)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Validate(%T) = %v; want %s", tt.name, tt.s, err, tt.want)
		}
	}
	if err := observe.Validate(observe.Multi(checkedSub{errMine})); !errors.Is(err, errMine) {
		t.Errorf("Validate(Multi(checkedSub)) = %v; want an error that is %v", err, errMine)
	}
}

// A nil pointer or function takes nothing: KindsOf used to call Kinds on a
// nil Selective, and Multi used to keep a nil *Recorder, which panicked at
// the first event.
func TestTypedNilsTakeNothing(t *testing.T) {
	for _, s := range []observe.Subscriber{(*observe.Recorder)(nil), (*nilPicky)(nil), funcSub(nil)} {
		if k := observe.KindsOf(s); k != 0 {
			t.Errorf("KindsOf(%T(nil)) = %v; want 0", s, k)
		}
	}
	m := observe.Multi((*observe.Recorder)(nil), (*nilPicky)(nil), funcSub(nil))
	handleAll(m) // must not panic
	if k := observe.KindsOf(m); k != 0 {
		t.Errorf("KindsOf(Multi of nils) = %v; want 0", k)
	}
	if got, want := fmt.Sprint(m), "observe.Multi()"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

// Kinds that are not kinds are left out, so that a call builds no event
// for them.
func TestKindsOfLeavesOutWhatIsNotAKind(t *testing.T) {
	s := &nilPicky{kinds: 1<<31 | 1 | observe.SetOf(observe.KindRetry)}
	if got, want := observe.KindsOf(s), observe.SetOf(observe.KindRetry); got != want {
		t.Errorf("KindsOf = %v; want %v", got, want)
	}
}

func TestInfoOfNil(t *testing.T) {
	if got := observe.InfoOf(nil); got != (observe.Info{}) {
		t.Errorf("InfoOf(nil) = %+v; want the zero Info", got)
	}
	if got := observe.InfoOf(observe.Retry{Attempt: 2, Delay: time.Second}); got.Attempt != 2 || got.Delay != time.Second || !got.Failed {
		t.Errorf("InfoOf(Retry) = %+v; want attempt 2, delay 1s, failed", got)
	}
}

// Validate allocates nothing for a subscriber it accepts.
func TestValidateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := observe.Multi(&observe.Recorder{}, observe.Func(func(observe.Retry) {}), observe.Slog(nil))
	if got := testing.AllocsPerRun(100, func() { observe.Validate(s) }); got != 0 {
		t.Errorf("Validate(%v): %v allocs; want 0", s, got)
	}
}
