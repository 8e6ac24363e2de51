package classify

import "errors"

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
// members are skipped. Put specific rules first and Default() last:
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

// As returns a Classifier that classifies err as c when err's tree holds an
// error of type E (as errors.AsType finds it), and has no opinion otherwise.
//
//	classify.As[*net.OpError](classify.Transient)
func As[E error](c Class) Classifier {
	return Match(func(E) Class { return c })
}

// Match returns a Classifier that finds the first error of type E in err's
// tree (as errors.AsType does) and returns f of it; it has no opinion when
// there is none. f may return Unknown to decline.
//
//	classify.Match(func(e *pgconn.PgError) classify.Class {
//		if e.Code == "55P03" { // lock_not_available
//			return classify.Concurrency
//		}
//		return classify.Unknown
//	})
func Match[E error](f func(E) Class) Classifier {
	return Func(func(err error) Class {
		if e, ok := errors.AsType[E](err); ok {
			return f(e)
		}
		return Unknown
	})
}
