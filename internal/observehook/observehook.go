// Package observehook lets package retry see inside the subscribers that
// package observe makes, where users must not, so that the loop can hand
// an event by value to a function that takes its type, without boxing it
// into an observe.Event. Package observe fills in the functions when it is
// initialised; package retry calls them once per subscriber, when a call's
// options are resolved, never per event.
package observehook

// Func returns the function of s if s is an observe.Func of one event
// struct type E that takes events, as an any that holds a func(E), or nil
// for any other subscriber: a Func of the Event interface, of a pointer
// type or of a nil function, or a subscriber of another kind. Set by
// package observe.
var Func func(s any) any

// Members returns the members of s if s is an observe.Multi, in order,
// as the Multi hands events on to them: without the nil ones and those
// that take no kind. It returns nil, false for any other subscriber. Set
// by package observe.
var Members func(s any) ([]any, bool)
