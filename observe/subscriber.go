package observe

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/reflexio-go/reflexio/internal/observehook"
	"github.com/reflexio-go/reflexio/internal/typednil"
)

// A Subscriber receives the events of the retry calls it is subscribed to
// (with retry.Subscribe).
//
// The contract:
//   - ctx is the context the caller passed to retry.Do, so that a subscriber
//     can reach the caller's trace span or logger; it may already be done.
//   - Handle is called synchronously, on the goroutine that called retry.Do,
//     in the order the events happen; the loop waits for it to return. Keep
//     it fast, and hand slow work to a goroutine of your own.
//   - One Subscriber may serve many calls at once, so Handle may be called
//     concurrently from several goroutines: it must be safe for that.
//   - Handle has no way to change the call's course and no error to return.
//     A panic in Handle is not recovered: it unwinds the call that sent the
//     event, as a panic in the operation does, after the loop has released
//     its timer and contexts. No other call is affected.
//   - A Subscriber that implements Selective receives only the kinds it
//     takes; the loop builds no event that no subscriber takes.
//
// The zero value, a nil Subscriber, takes no event: KindsOf returns none,
// Multi skips it, and Validate reports it, so that retry.Subscribe rejects
// it.
type Subscriber interface {
	Handle(ctx context.Context, e Event)
}

// Selective is implemented by Subscribers that take only some kinds of
// events. The retry loop asks once, when its options are resolved, and never
// builds an event of a kind that no subscriber of the call takes. Kinds must
// return the same set every time it is called.
type Selective interface {
	Subscriber
	Kinds() Set
}

// KindsOf returns the kinds that s takes: s.Kinds() if s is Selective,
// without values that are not kinds, every kind otherwise, none if s is nil
// or a nil pointer or function, whose Handle would panic.
func KindsOf(s Subscriber) Set {
	if typednil.Is(s) {
		return 0
	}
	if s, ok := s.(Selective); ok {
		return s.Kinds() & All
	}
	return All
}

// validator is the optional interface through which subscribers report
// that they cannot work.
type validator interface{ Validate() error }

// Validate reports a Subscriber that cannot work: a nil one, a nil pointer
// or function (such as a nil *Recorder), whose Handle would panic, a Func of
// a nil function or of a pointer event type, a Multi with such a Func among
// its members, or whatever the Validate() error method of a subscriber of
// your own reports. retry.Subscribe calls it, so that such a subscriber
// fails the call before any attempt. It returns nil otherwise.
//
// Validate calls s's own Validate method, if it has one; a panic there is not
// recovered.
func Validate(s Subscriber) error {
	switch {
	case s == nil:
		return errors.New("observe: subscriber is nil")
	case typednil.Is(s):
		return fmt.Errorf("observe: subscriber is a nil %T", s)
	}
	if v, ok := s.(validator); ok {
		return v.Validate()
	}
	return nil
}

// Func returns a Subscriber that calls f with every event of type E, and
// takes no other event. E is an event struct, such as Retry, or the Event
// interface itself for every event:
//
//	retries := observe.Func(func(e observe.Retry) { … })
//	all := observe.Func(func(e observe.Event) { … })
//
// The retry loop hands an event to a Func of its struct type by value, as
// it is: to observe without allocating, use Func with a concrete event
// type, alone or in a Multi. An event that goes to a Func of Event, or to
// any Subscriber's Handle, is boxed into an Event first, once per event
// (one allocation).
//
// The Subscriber is safe for concurrent use if f is. f must not be nil, and
// E must not be a pointer type such as *Retry: events are sent as values, so
// a pointer subscriber would never be called. Either way the Subscriber
// takes no event, and Validate, which retry.Subscribe calls, reports it.
func Func[E Event](f func(E)) Subscriber {
	return funcSubscriber[E]{f}
}

// funcSubscriber is what Func returns. It holds f alone, so that it fits in
// an interface's data word: Func allocates nothing.
type funcSubscriber[E Event] struct {
	f func(E)
}

func (s funcSubscriber[E]) Handle(_ context.Context, e Event) {
	if e, ok := e.(E); ok && s.f != nil {
		s.f(e)
	}
}

// Validate reports a pointer event type or a nil function.
func (s funcSubscriber[E]) Validate() error {
	if t := reflect.TypeFor[E](); t.Kind() == reflect.Pointer {
		return fmt.Errorf("%v: events are sent as values; use Func[%v]", s, t.Elem())
	}
	if s.f == nil {
		return fmt.Errorf("%v: function is nil", s)
	}
	return nil
}

// Kinds returns the kind of E, every kind if E is an interface type, none
// if E is a pointer type or f is nil.
func (s funcSubscriber[E]) Kinds() Set {
	if s.f == nil {
		return 0 // Validate reports it
	}
	switch reflect.TypeFor[E]().Kind() {
	case reflect.Interface:
		return All // every event that implements E; Handle checks which ones do
	case reflect.Pointer:
		return 0 // Validate reports it
	}
	var zero E
	return SetOf(zero.Kind())
}

// typedFunc returns f, as an any, if E is an event struct type and f is
// not nil; nil otherwise. See internal/observehook.
func (s funcSubscriber[E]) typedFunc() any {
	if s.f == nil || reflect.TypeFor[E]().Kind() != reflect.Struct {
		return nil
	}
	return s.f
}

// String names the subscriber by the event type it takes, such as
// "observe.Func[observe.Retry]".
func (s funcSubscriber[E]) String() string {
	return "observe.Func[" + reflect.TypeFor[E]().String() + "]"
}

// Multi returns a Subscriber that passes each event to every one of subs, in
// order, each receiving only the kinds it takes. Nil members are skipped:
// nil itself, and a nil pointer or function of any type, such as a nil
// *Recorder. A member that Validate reports otherwise, such as a Func of a
// nil function, makes Validate report the Multi. The Subscriber takes the
// union of its members' kinds, so the retry loop still builds no event that
// no member takes.
//
// retry.Subscribe fans out by itself; Multi is for building one Subscriber
// out of several, to be passed around as one.
func Multi(subs ...Subscriber) Subscriber {
	m := multi{}
	for _, s := range subs {
		if typednil.Is(s) {
			continue
		}
		if err := Validate(s); err != nil && m.err == nil {
			m.err = err
		}
		k := KindsOf(s)
		if k == 0 { // nil, or takes nothing
			continue
		}
		m.subs = append(m.subs, member{s, k})
		m.kinds |= k
	}
	return m
}

type member struct {
	s     Subscriber
	kinds Set
}

type multi struct {
	subs  []member
	kinds Set
	err   error // what Validate reported about the first faulty member
}

func (m multi) Handle(ctx context.Context, e Event) {
	k := e.Kind()
	for _, s := range m.subs {
		if s.kinds.Has(k) {
			s.s.Handle(ctx, e)
		}
	}
}

func (m multi) Kinds() Set { return m.kinds }

// Validate reports the first member that Validate reports, unchanged.
func (m multi) Validate() error { return m.err }

// String lists the members, such as "observe.Multi(observe.Slog(…), *observe.Recorder)".
func (m multi) String() string {
	var b strings.Builder
	b.WriteString("observe.Multi(")
	for i, s := range m.subs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(nameOf(s.s))
	}
	b.WriteString(")")
	return b.String()
}

// typedFuncer is implemented by the subscribers that Func returns.
type typedFuncer interface{ typedFunc() any }

func init() {
	observehook.Func = func(s any) any {
		if t, ok := s.(typedFuncer); ok {
			return t.typedFunc()
		}
		return nil
	}
	observehook.Members = func(s any) ([]any, bool) {
		m, ok := s.(multi)
		if !ok {
			return nil, false
		}
		subs := make([]any, len(m.subs))
		for i, s := range m.subs {
			subs[i] = s.s
		}
		return subs, true
	}
}

// nameOf returns how s prints itself, if it has a String method, or the
// name of its type.
func nameOf(s Subscriber) string {
	if str, ok := s.(fmt.Stringer); ok {
		return str.String()
	}
	return reflect.TypeOf(s).String()
}

var (
	_ Selective  = funcSubscriber[Event]{}
	_ Selective  = multi{}
	_ Subscriber = (*Recorder)(nil)
	_ Subscriber = slogSubscriber{}
)
