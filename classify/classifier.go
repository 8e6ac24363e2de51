package classify

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/reflexio-go/reflexio/internal/typednil"
)

// A Classifier maps an error to its Class.
//
// Classify is called with the non-nil error of a failed attempt and must not
// retain it. Unknown means "no opinion": Chain moves on to the next
// classifier, and the retry loop treats what stays Unknown as Unknown.
//
// A Classifier must be safe for concurrent use: one value serves every call
// that uses it. Every Classifier in this package is.
//
// The classifiers of this package check their parameters in a method
// Validate() error, which Validate and retry.Classifier call, so that a bad
// parameter fails a retry call with a clear error before any attempt.
// Classifiers of your own may implement it too.
//
// The zero value, a nil Classifier, classifies nothing: Chain skips it,
// and Validate reports it, so that retry.Classifier rejects it.
type Classifier interface {
	Classify(err error) Class
}

// validator is the optional interface through which classifiers report bad
// parameters.
type validator interface{ Validate() error }

// Validate returns the error that c reports about its own parameters (and,
// for a Chain, those of its members), or nil if c has nothing to report or
// does not check. It also reports a nil c, and a nil pointer or nil
// function held by c, such as a nil Func, whose Classify would panic. The
// errors name the classifier at fault as it prints itself, then the
// parameter and its value:
//
//	classify.Is(<nil>, classify.Permanent): target is nil
//
// A Chain returns the error of its first faulty member unchanged.
//
// Validate calls c's own Validate method, if it has one; a panic there is not
// recovered.
func Validate(c Classifier) error {
	// This package's own classifiers without parameters or with members,
	// checked without reflection: retry.Do validates a classifier passed to
	// the call itself on every call.
	switch c := c.(type) {
	case defaultClassifier, byTypeName:
		return nil
	case chain:
		return c.Validate()
	case isRule:
		return c.Validate()
	}
	switch {
	case c == nil:
		return errors.New("classify: classifier is nil")
	case typednil.Is(c):
		return fmt.Errorf("classify: classifier is a nil %T", c)
	}
	if v, ok := c.(validator); ok {
		return v.Validate()
	}
	return nil
}

// checkClass reports about the classifier r a class that is not one of the
// constants. It is generic so that r becomes an interface, which allocates,
// only on the way to an error.
func checkClass[R fmt.Stringer](r R, c Class) error {
	if int(c) >= NumClasses {
		return fmt.Errorf("%v: class %s is not a class", r, qualified(c))
	}
	return nil
}

// Func adapts an ordinary function to the Classifier interface. The zero
// value, a nil Func, would panic if asked: Chain skips it, and Validate
// reports it, so that retry.Classifier rejects it.
type Func func(err error) Class

// Classify returns f(err).
func (f Func) Classify(err error) Class { return f(err) }

var _ Classifier = Func(nil)

// Chain returns a Classifier that asks each of cs in order and returns the
// first class that is not Unknown, or Unknown if none has an opinion. Nil
// members are skipped: nil itself, and a nil pointer or nil function of any
// type, such as a nil Func, which would panic if asked. The members of a
// Chain given to Chain are taken in its place. Put specific rules first and
// Default() last:
//
//	classify.Chain(
//		classify.Is(sql.ErrNoRows, classify.Permanent),
//		classify.As[*QuotaError](classify.RateLimit),
//		classify.Default(),
//	)
func Chain(cs ...Classifier) Classifier {
	members := make(chain, 0, len(cs))
	for _, c := range cs {
		switch c := c.(type) {
		case chain:
			members = append(members, c...) // flatten: one level of calls
		default:
			if !typednil.Is(c) { // also untyped nil
				members = append(members, c)
			}
		}
	}
	return members
}

// Validate reports the first member that Validate reports, unchanged.
func (ch chain) Validate() error {
	for _, c := range ch {
		if err := Validate(c); err != nil {
			return err
		}
	}
	return nil
}

type chain []Classifier

func (ch chain) Classify(err error) Class {
	for _, c := range ch {
		if class := c.Classify(err); class != Unknown {
			return class
		}
	}
	return Unknown
}

func (ch chain) String() string {
	var b strings.Builder
	b.WriteString("classify.Chain(")
	for i, c := range ch {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, c)
	}
	b.WriteString(")")
	return b.String()
}

// Is returns a Classifier that classifies err as c when errors.Is(err, target)
// holds, and has no opinion otherwise. target must not be nil, which no
// error is, and c must be one of the constants; Validate reports either.
func Is(target error, c Class) Classifier {
	return isRule{target, c}
}

type isRule struct {
	target error
	class  Class
}

func (r isRule) Classify(err error) Class {
	if errors.Is(err, r.target) {
		return r.class
	}
	return Unknown
}

func (r isRule) String() string {
	return fmt.Sprintf("classify.Is(%v, %s)", r.target, qualified(r.class))
}

// Validate reports a nil target or a class that is not one of the
// constants.
func (r isRule) Validate() error {
	if r.target == nil {
		return fmt.Errorf("%v: target is nil", r)
	}
	return checkClass(r, r.class)
}

// As returns a Classifier that classifies err as c when err's tree holds an
// error of type E (as errors.AsType finds it), and has no opinion otherwise.
// c must be one of the constants; Validate reports any other value.
//
//	classify.As[*net.OpError](classify.Transient)
func As[E error](c Class) Classifier {
	return asRule[E]{c}
}

type asRule[E error] struct{ class Class }

func (r asRule[E]) Classify(err error) Class {
	if _, ok := errors.AsType[E](err); ok {
		return r.class
	}
	return Unknown
}

func (r asRule[E]) String() string {
	return "classify.As[" + reflect.TypeFor[E]().String() + "](" + qualified(r.class) + ")"
}

// Validate reports a class that is not one of the constants.
func (r asRule[E]) Validate() error { return checkClass(r, r.class) }

// Match returns a Classifier that finds the first error of type E in err's
// tree (as errors.AsType does) and returns f of it; it has no opinion when
// there is none. f may return Unknown to decline. f must not be nil:
// Validate reports a nil f, and the Classifier then has no opinion on any
// error.
//
//	classify.Match(func(e *pgconn.PgError) classify.Class {
//		if e.Code == "55P03" { // lock_not_available
//			return classify.Concurrency
//		}
//		return classify.Unknown
//	})
func Match[E error](f func(E) Class) Classifier {
	return matchRule[E]{f}
}

type matchRule[E error] struct{ f func(E) Class }

func (r matchRule[E]) Classify(err error) Class {
	if r.f == nil {
		return Unknown
	}
	if e, ok := errors.AsType[E](err); ok {
		return r.f(e)
	}
	return Unknown
}

func (r matchRule[E]) String() string {
	return "classify.Match[" + reflect.TypeFor[E]().String() + "](…)"
}

// Validate reports a nil function.
func (r matchRule[E]) Validate() error {
	if r.f == nil {
		return fmt.Errorf("%v: function is nil", r)
	}
	return nil
}

// qualified returns c as Go code outside the package would name it.
func qualified(c Class) string { return "classify." + c.String() }
