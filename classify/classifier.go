package classify

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// A Classifier maps an error to its Class.
//
// Classify is called with the non-nil error of a failed attempt and must not
// retain it. Unknown means "no opinion": Chain moves on to the next
// classifier, and the retry loop treats what stays Unknown as Unknown.
//
// A Classifier must be safe for concurrent use: one value serves every call
// that uses it. Every Classifier in this package is.
type Classifier interface {
	Classify(err error) Class
}

// Func adapts an ordinary function to the Classifier interface.
type Func func(err error) Class

// Classify returns f(err).
func (f Func) Classify(err error) Class { return f(err) }

var _ Classifier = Func(nil)

// Chain returns a Classifier that asks each of cs in order and returns the
// first class that is not Unknown, or Unknown if none has an opinion. Nil
// members, including a nil Func, are skipped, and the members of a Chain
// given to Chain are taken in its place. Put specific rules first and
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
		case nil:
		case Func:
			if c != nil {
				members = append(members, c)
			}
		case chain:
			members = append(members, c...) // flatten: one level of calls
		default:
			members = append(members, c)
		}
	}
	return members
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
// holds, and has no opinion otherwise.
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

// As returns a Classifier that classifies err as c when err's tree holds an
// error of type E (as errors.AsType finds it), and has no opinion otherwise.
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

// Match returns a Classifier that finds the first error of type E in err's
// tree (as errors.AsType does) and returns f of it; it has no opinion when
// there is none. f may return Unknown to decline, and must not be nil.
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
	if e, ok := errors.AsType[E](err); ok {
		return r.f(e)
	}
	return Unknown
}

func (r matchRule[E]) String() string {
	return "classify.Match[" + reflect.TypeFor[E]().String() + "](…)"
}

// qualified returns c as Go code outside the package would name it.
func qualified(c Class) string { return "classify." + c.String() }
