package classify

import (
	"reflect"
	"strings"
)

// ByTypeName returns the name heuristics of the Python reflexio as an opt-in
// classifier. It looks at the Go type name of every error in err's tree, in
// the order errors.Is visits them, and classifies by the first name that
// contains one of these words, case-insensitively:
//
//	"timeout" or "connection"                        Transient
//	"ratelimit", "throttl" or "toomanyrequests"      RateLimit
//	"conflict", "deadlock" or "serializ"             Concurrency
//	anything else                                    Unknown
//
// A name is the type's own name, without its package, pointers or type
// arguments: *ConnectionResetError and ConnectionResetError both read as
// "connectionreseterror". The rows are tried in the order shown, so
// RateLimitTimeoutError is Transient.
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
	class := Unknown
	walk(err, func(e error) bool {
		class = classifyName(typeName(e))
		return class != Unknown
	})
	return class
}

// typeName returns the lower-case name of err's type, pointers removed and
// type arguments dropped, so that a generic Wrapper[ConnectionInfo] is not
// taken for a connection error.
func typeName(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return strings.ToLower(name)
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
