// Package integration holds what the integrations of package retry
// (retryhttp, retrygrpc, retrypg) share, so that each is a thin wrapper
// over the core: the budget policy, the breakers per downstream and their
// registries, the hedging policy (hedge.go), the error of an invalid
// option, and the text of a list of retry options.
package integration

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/reflexio-go/reflexio/retry"
)

// OptionError is the error of an invalid option of an integration: its
// text is "pkg: option: reason", and it matches retry.ErrInvalidOption, as
// those of package retry's own options do, and Err, if it is not nil.
type OptionError struct {
	Pkg, Option, Reason string
	Err                 error // the cause, if any: Reason is its text
}

func (e *OptionError) Error() string { return e.Pkg + ": " + e.Option + ": " + e.Reason }

// Is reports whether target is retry.ErrInvalidOption.
func (e *OptionError) Is(target error) bool { return target == retry.ErrInvalidOption }

// Unwrap returns the cause, if any.
func (e *OptionError) Unwrap() error { return e.Err }

// Join returns the options as a list for an option's text: "a, b, c".
func Join(opts []retry.Option) string {
	texts := make([]string, len(opts))
	for i, o := range opts {
		texts[i] = fmt.Sprint(o)
	}
	return strings.Join(texts, ", ")
}

// The default of a per-downstream budget: retries within 10% of the calls
// to a downstream, plus one per call that succeeds, plus 10: a downstream
// that fails every call gets at most 1.1 attempts per call, plus 10.
const (
	DefaultRatio = 0.1
	DefaultBurst = 10
)

type kind uint8

const (
	perKey kind = iota // the zero value: the default
	shared
	none
)

// A Policy says which retry budget the calls of an integration use: one
// per downstream (its zero value, with the default parameters), one shared
// Budget, or none.
type Policy struct {
	kind   kind
	custom bool    // perKey: ratio and burst were given
	ratio  float64 // perKey, if custom
	burst  int     // perKey, if custom
	shared *retry.Budget
}

// PerKey returns the Policy of a Budget per downstream, made with
// retry.NewBudget(ratio, burst).
func PerKey(ratio float64, burst int) Policy {
	return Policy{kind: perKey, custom: true, ratio: ratio, burst: burst}
}

// Shared returns the Policy of one Budget, b, for every call.
func Shared(b *retry.Budget) Policy { return Policy{kind: shared, shared: b} }

// None returns the Policy of no budget.
func None() Policy { return Policy{kind: none} }

// String returns the text of the option that made p; perKey is the name of
// the integration's per-downstream option, such as "BudgetPerHost".
func (p Policy) String(perKey string) string {
	switch p.kind {
	case shared:
		return fmt.Sprintf("Budget(%v)", p.shared)
	case none:
		return "NoBudget()"
	}
	ratio, burst := p.params()
	return perKey + "(" + strconv.FormatFloat(ratio, 'g', -1, 64) + ", " + strconv.Itoa(burst) + ")"
}

// Invalid returns why p is invalid, or "" if it is not. Invalid parameters
// of a per-key policy are not reported here: each Budget reports them, so
// that every call fails with retry.ErrInvalidOption.
func (p Policy) Invalid() string {
	if p.kind == shared && p.shared == nil {
		return "budget is nil (NoBudget lifts the budget)"
	}
	return ""
}

// params returns the ratio and burst of a per-key policy.
func (p Policy) params() (float64, int) {
	if !p.custom {
		return DefaultRatio, DefaultBurst
	}
	return p.ratio, p.burst
}

// Budgets is the budget state of an integration: its Policy and, for a
// per-key one, the retry.Budgets that keeps the Budget of each
// downstream, made at first use. Its zero value has the default Policy.
// It is safe for concurrent use once Set is done, and must not be copied
// after first use.
type Budgets struct {
	policy Policy
	set    lazy[retry.Budgets] // per key
}

// Set sets the policy. It must be called before the first call of Option.
func (b *Budgets) Set(p Policy) { b.policy = p }

// Option returns the budget option of a call to the downstream that key
// names, given k: always one, so that no default of package retry applies
// in its place. key is only called for a per-key policy, so that a shared
// budget or none costs no key.
func Option[K any](b *Budgets, k K, key func(K) string) retry.Option {
	switch b.policy.kind {
	case none:
		return retry.NoBudget()
	case shared:
		return b.policy.shared
	}
	s := b.set.get(func() *retry.Budgets {
		ratio, burst := b.policy.params()
		return retry.NewBudgets(ratio, burst, retry.DefaultMaxKeys)
	})
	return s.For(key(k))
}

// lazy is a *T made at its first use, by the first of the goroutines that
// use it at once to make it.
type lazy[T any] struct{ p atomic.Pointer[T] }

// get returns the *T, making it with newT if there is none yet.
func (l *lazy[T]) get(newT func() *T) *T {
	if v := l.p.Load(); v != nil {
		return v
	}
	l.p.CompareAndSwap(nil, newT())
	return l.p.Load()
}

// Fail records in *err that option o, or "Option" if o is nil, is invalid
// for reason, unless *err holds an earlier invalid option: the first one is
// the one a user fixes first.
func Fail(err *error, pkg string, o fmt.Stringer, reason string) {
	if *err == nil {
		name := "Option"
		if o != nil {
			name = o.String()
		}
		*err = &OptionError{Pkg: pkg, Option: name, Reason: reason}
	}
}

// FailWith is Fail for a reason that is an error, cause, which the
// recorded error wraps.
func FailWith(err *error, pkg string, o fmt.Stringer, cause error) {
	if *err == nil {
		Fail(err, pkg, o, cause.Error())
		(*err).(*OptionError).Err = cause
	}
}

// Apply calls apply with each of opts, in order, and fail with the reason
// of each one that is nil: the loop of an integration's New.
func Apply[O any](opts []O, apply func(O), fail func(reason string)) {
	for n, o := range opts {
		if any(o) == nil {
			fail("option " + strconv.Itoa(n) + " is nil")
			continue
		}
		apply(o)
	}
}

// AddRetry appends opts, the retry options of an integration's Retry
// option, to *to, and returns "", or, if one of them is nil, appends none
// and returns why.
func AddRetry(to *[]retry.Option, opts []retry.Option) string {
	for n, o := range opts {
		if o == nil {
			return "option " + strconv.Itoa(n) + " is nil"
		}
	}
	*to = append(*to, opts...)
	return ""
}

// Bundle returns the retry options that an integration's Retry options
// gathered as one option, resolved once, or nil if there are none.
func Bundle(opts []retry.Option) retry.Option {
	if len(opts) == 0 {
		return nil
	}
	return retry.Options(opts...)
}

// Func returns the text of an option whose argument is a function: name,
// then "(nil)" or "(…)".
func Func(name string, isNil bool) string {
	if isNil {
		return name + "(nil)"
	}
	return name + "(…)"
}
