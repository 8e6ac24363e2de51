package retry

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
)

// This file is result classification: retrying on what the operation
// returns, not only on its error. The walk of a rejected value is short:
// Do (do.go) finds the call's result classifier among its options
// (resultOf), asks it about each value the operation returns with a nil
// error, and hands the loop the rejection of its class (rejections) in
// place of an error. From there it is a failure like any other, with the
// class the classifier gave: judge, the caps, the budget, the backoff and
// the events see it as such, and Do keeps the value for the caller.

// ErrRejected matches the error of an attempt whose value a result
// classifier rejected (see ClassifyResult). It is the Last error of the
// *Error of a call that gave up after such an attempt, and the Err of its
// events, whose Rejected field is then true:
//
//	job, err := retry.Do(ctx, getJob, retry.Poll(Job.Done, time.Second, time.Minute))
//	if errors.Is(err, retry.ErrRejected) {
//		// job is the last answer, still not done
//	}
var ErrRejected = errors.New("retry: result rejected")

// ClassifyResult makes Do classify the values that the operation returns
// with a nil error, as it classifies errors: f returns reject false to
// accept v, which ends the call in success, or reject true and the class
// that v stands for, which makes the attempt a failure of that class. Every
// rule that applies to a failed attempt applies to it alike: the class's
// backoff and cap, the budget, the deadline, the events; Permanent ends the
// call at once.
//
//	retry.ClassifyResult(func(r Report) (classify.Class, bool) {
//		switch r.Status {
//		case "pending":
//			return classify.Transient, true // not yet: ask again
//		case "throttled":
//			return classify.RateLimit, true
//		}
//		return 0, false // done
//	})
//
// When the call gives up, Do returns the last value that f rejected, if
// there was one, with the *Error (see Do). f is not called for an attempt that returned an
// error, and is called once per attempt that did not.
//
// The classifier is typed: ClassifyResult(f) is for a Do whose T is f's. A
// call of Do for another T, or of Run, that gets it (alone or in a bundle)
// fails with ErrInvalidOption, naming both types, before any attempt. The
// last ClassifyResult or Poll of a call wins.
//
// Default: none; every value returned with a nil error is a success.
func ClassifyResult[T any](f func(v T) (c classify.Class, reject bool)) Option {
	return resultOption[T]{f: f, poll: false}
}

// Poll returns the options for polling with Do: call the operation every
// interval, less up to a tenth at random so that pollers started together
// drift apart, until done accepts its value, for at most within in all (as
// Deadline(within)):
//
//	job, err := retry.Do(ctx, jobs.Get(id), retry.Poll(Job.Done, 2*time.Second, 2*time.Minute))
//
// A value that done refuses is a Transient failure, which ErrRejected
// matches. Errors are classified as usual and retried at the same pace; no
// count of attempts caps the call, Unknown failures included: within does.
// When within passes, the call gives up with ErrDeadline and Do returns the
// last answer it got, even if the deadline cut a later request short (see
// Do).
//
// The options that follow Poll override its own, such as MaxAttempts or a
// Classifier. interval and within must be greater than 0.
//
// Poll builds a bundle (see Options): keep it in a variable when the call
// is hot.
func Poll[T any](done func(v T) bool, interval, within time.Duration) Option {
	o := resultOption[T]{poll: true}
	switch {
	case done == nil:
		return Options(o) // fails, naming Poll
	case interval <= 0 || within <= 0:
		b := Options().(*bundle)
		b.err = &optionError{option: o.label() + "(…, " + interval.String() + ", " + within.String() + ")", reason: "interval and within must be greater than 0"}
		b.cfg.err = b.err
		b.cfg.settle()
		return b
	}
	return Options(
		resultOption[T]{poll: true, f: func(v T) (classify.Class, bool) {
			return classify.Transient, !done(v)
		}},
		Backoff(backoff.Jitter(0.1, backoff.Constant(interval))),
		MaxAttempts(math.MaxInt),
		MaxUnknownAttempts(math.MaxInt),
		Deadline(within),
	)
}

// resultOption is ClassifyResult's and Poll's Option. It has two fields, so
// that it is not pointer-shaped (see the note on escapes in applyOne).
type resultOption[T any] struct {
	f    func(T) (classify.Class, bool)
	poll bool // made by Poll: the name to print and to blame
}

// resulter is what every resultOption is, whatever its T: the loop, which
// is not generic, knows of them only that a call has one.
type resulter interface {
	Option
	resultType() string
	isNil() bool
}

func (o resultOption[T]) label() string {
	if o.poll {
		return "Poll[" + o.resultType() + "]"
	}
	return "ClassifyResult[" + o.resultType() + "]"
}

func (o resultOption[T]) String() string { return o.label() + "(…)" }

func (o resultOption[T]) resultType() string { return reflect.TypeFor[T]().String() }

// apply records that the call classifies results. Which classifier, and
// whether it suits the call, Do finds out itself (resultOf): it alone
// knows T. applyOne does not call apply through the interface, which has
// no T; it is here for bundles, whose members apply one by one.
func (o resultOption[T]) apply(c *config) { c.results = true }

// resultOf returns the result classifier that opts give a call of Do for
// T: the last ClassifyResult or Poll among them, or in a bundle among them,
// or nil if there is none. It returns an error if that one is nil or for
// another type.
//
// It calls no method of an option in opts, only reads them: see the note
// on escapes in applyOne. A bundle's members are behind its self pointer.
func resultOf[T any](opts []Option) (func(T) (classify.Class, bool), error) {
	var (
		f      func(T) (classify.Class, bool)
		found  bool
		bad    resulter // the last, if it does not suit T (in a bundle)
		inline string   // the last, if it does not suit T (inline): its type
	)
	for _, o := range opts {
		switch o := o.(type) {
		case resultOption[T]:
			f, found, bad, inline = o.f, true, nil, ""
		case *bundle:
			if r := o.self.result; r != nil {
				ro, ok := r.(resultOption[T])
				f, found, bad, inline = ro.f, ok, nil, ""
				if !ok || ro.f == nil {
					bad = r
				}
			}
		case resulter:
			f, found, bad = nil, false, nil
			inline = strings.TrimSuffix(strings.TrimPrefix(reflect.TypeOf(o).String(), "retry.resultOption["), "]")
		}
	}
	if bad == nil && inline == "" && (f != nil || !found) {
		return f, nil // the usual case, which names no type
	}
	want := reflect.TypeFor[T]().String()
	switch {
	case bad != nil:
		return nil, resultError(bad.String(), bad.resultType(), want, bad.isNil())
	case inline != "":
		return nil, resultError("ClassifyResult["+inline+"](…)", inline, want, false)
	case found && f == nil:
		return nil, resultError("ClassifyResult["+want+"](…)", want, want, true)
	}
	return f, nil
}

func (o resultOption[T]) isNil() bool { return o.f == nil }

// errRunResult is the error of a call of Run given a result classifier.
var errRunResult = &optionError{option: "ClassifyResult or Poll", reason: "Run returns no value to classify (use Do)"}

// resultError is the error of a result classifier, printed as label, for
// results of type have, given to a call of Do for want, or whose func is
// nil.
func resultError(label, have, want string, isNil bool) error {
	if isNil {
		return &optionError{option: label, reason: "func is nil"}
	}
	return &optionError{option: label, reason: "classifies results of type " + have + ", but Do returns " + want}
}

// rejected is the error of an attempt whose value was rejected as class.
// There is one per class, made once: a rejection allocates nothing.
type rejected struct{ class classify.Class }

var rejections = func() (r [classify.NumClasses]*rejected) {
	for c := range r {
		r[c] = &rejected{classify.Class(c)}
	}
	return r
}()

// rejection returns the error of a value rejected as class c, Unknown for
// a class that is not one.
func rejection(c classify.Class) error {
	if int(c) >= classify.NumClasses {
		c = classify.Unknown
	}
	return rejections[c]
}

// isRejected reports whether err, an attempt's error, is a rejected value.
func isRejected(err error) bool {
	_, ok := err.(*rejected)
	return ok
}

func (e *rejected) Error() string {
	return "retry: result rejected (" + e.class.String() + ")"
}

func (e *rejected) Is(target error) bool { return target == ErrRejected }

// RetryClass returns the class the result classifier gave, so that a
// classifier that honours classify.Classed, and the loop, agree on it.
func (e *rejected) RetryClass() classify.Class { return e.class }
