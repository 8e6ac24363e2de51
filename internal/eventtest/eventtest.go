// Package eventtest flattens the events a test recorded into plain values
// that compare with ==, for the tests of the integrations: one way to read
// an event stream, shared by all of them.
package eventtest

import (
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

// An Event is what a test checks of an event: its kind, operation,
// attempt, class and error text. Class is Unknown and Err empty for an
// event that follows no failure (Success, or a call that ended before its
// first attempt).
type Event struct {
	Kind    string
	Op      string
	Attempt int
	Class   classify.Class
	Err     string
}

// Flatten returns the Events of events, in order. text turns an event's
// error into the text the test compares (to take out a port, say); nil
// means err.Error(). op, when not nil, rewrites each operation's name the
// same way.
func Flatten(events []observe.Event, text func(error) string, op func(string) string) []Event {
	var out []Event
	for _, e := range events {
		i := observe.InfoOf(e)
		ev := Event{Kind: e.Kind().String(), Op: i.Operation, Attempt: i.Attempt}
		if i.Failed {
			ev.Class = i.Class
			switch {
			case text != nil:
				ev.Err = text(i.Err)
			case i.Err != nil:
				ev.Err = i.Err.Error()
			}
		}
		if op != nil {
			ev.Op = op(ev.Op)
		}
		out = append(out, ev)
	}
	return out
}
