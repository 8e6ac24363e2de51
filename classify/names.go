package classify

import (
	"reflect"
	"strings"
)

// ByTypeName returns the name heuristics of the Python reflexio as an opt-in
// classifier: it looks at the Go type name of every error in err's tree, from
// the outside in, and classifies by the first that matches, case-insensitively:
//
//	contains "timeout" or "connection"                       Transient
//	contains "ratelimit", "throttl" or "toomanyrequests"     RateLimit
//	contains "conflict", "deadlock" or "serializ"            Concurrency
//	anything else                                            Unknown
//
// Names are a guess, so ByTypeName is not part of Default. Chain it after
// Default to fall back on it:
//
//	classify.Chain(classify.Default(), classify.ByTypeName())
func ByTypeName() Classifier { return byTypeName{} }

type byTypeName struct{}

func (byTypeName) String() string { return "classify.ByTypeName()" }

var nameRules = [...]struct {
	words []string
	class Class
}{
	{[]string{"timeout", "connection"}, Transient},
	{[]string{"ratelimit", "throttl", "toomanyrequests"}, RateLimit},
	{[]string{"conflict", "deadlock", "serializ"}, Concurrency},
}

func (byTypeName) Classify(err error) Class {
	for err != nil {
		if c := classifyName(typeName(err)); c != Unknown {
			return c
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if c := (byTypeName{}).Classify(e); c != Unknown {
					return c
				}
			}
			return Unknown
		default:
			return Unknown
		}
	}
	return Unknown
}

func typeName(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.ToLower(t.Name())
}

func classifyName(name string) Class {
	for _, r := range nameRules {
		for _, w := range r.words {
			if strings.Contains(name, w) {
				return r.class
			}
		}
	}
	return Unknown
}
