package classify_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/reflexio-go/reflexio/classify"
)

// ptrRule is a classifier of a user's own whose methods dereference it: a
// nil *ptrRule held as a Classifier is a typed nil, which panics if asked.
type ptrRule struct{ c classify.Class }

func (r *ptrRule) Classify(error) classify.Class { return r.c }

// funcRule is a classifier of a user's own that is a function type.
type funcRule func(error) classify.Class

func (f funcRule) Classify(err error) classify.Class { return f(err) }

// checkedRule is a classifier of a user's own that checks itself.
type checkedRule struct{ err error }

func (checkedRule) Classify(error) classify.Class { return classify.Transient }
func (r checkedRule) Validate() error             { return r.err }

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprint("code ", e.code) }

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		c    classify.Classifier
	}{
		{"Default", classify.Default()},
		{"ByTypeName", classify.ByTypeName()},
		{"Is of the last class", classify.Is(io.EOF, classify.Transient)},
		{"Is of Unknown", classify.Is(io.EOF, classify.Unknown)},
		{"As", classify.As[*codeError](classify.Permanent)},
		{"Match", classify.Match(func(*codeError) classify.Class { return classify.Transient })},
		{"Func", classify.Func(func(error) classify.Class { return classify.Transient })},
		{"empty Chain", classify.Chain()},
		{"Chain of nils", classify.Chain(nil, classify.Func(nil), (*ptrRule)(nil), funcRule(nil))},
		{"nested Chain", classify.Chain(classify.Chain(classify.Default()), classify.Is(io.EOF, classify.Permanent))},
		{"of your own, not nil", &ptrRule{}},
		{"of your own, checked", checkedRule{}},
	}
	for _, tt := range tests {
		if err := classify.Validate(tt.c); err != nil {
			t.Errorf("%s: Validate(%v) = %v; want nil", tt.name, tt.c, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	errMine := errors.New("mine is bad")
	tests := []struct {
		name string
		c    classify.Classifier
		want string
	}{
		{"nil", nil, "classify: classifier is nil"},
		{"nil Func", classify.Func(nil), "classify: classifier is a nil classify.Func"},
		{"nil pointer", (*ptrRule)(nil), "classify: classifier is a nil *classify_test.ptrRule"},
		{"nil func of your own", funcRule(nil), "classify: classifier is a nil classify_test.funcRule"},
		{"Is of nil", classify.Is(nil, classify.Permanent), "classify.Is(<nil>, classify.Permanent): target is nil"},
		{"Is of no class", classify.Is(io.EOF, classify.Class(classify.NumClasses)),
			"classify.Is(EOF, classify.Class(6)): class classify.Class(6) is not a class"},
		{"As of no class", classify.As[*codeError](classify.Class(255)),
			"classify.As[*classify_test.codeError](classify.Class(255)): class classify.Class(255) is not a class"},
		{"Match of nil", classify.Match[*codeError](nil), "classify.Match[*classify_test.codeError](…): function is nil"},
		{"Chain with a bad member", classify.Chain(classify.Default(), classify.Match[*codeError](nil)),
			"classify.Match[*classify_test.codeError](…): function is nil"},
		{"Chain reports its first bad member", classify.Chain(classify.Is(nil, classify.Transient), classify.Match[*codeError](nil)),
			"classify.Is(<nil>, classify.Transient): target is nil"},
		{"Chain in a Chain", classify.Chain(classify.Chain(classify.As[*codeError](classify.Class(9)))),
			"classify.As[*classify_test.codeError](classify.Class(9)): class classify.Class(9) is not a class"},
		{"of your own", checkedRule{errMine}, "mine is bad"},
		{"of your own in a Chain", classify.Chain(classify.Default(), checkedRule{errMine}), "mine is bad"},
	}
	for _, tt := range tests {
		err := classify.Validate(tt.c)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Validate(%v) = %v; want %s", tt.name, tt.c, err, tt.want)
		}
	}
	// A classifier's own error comes back as it is, for errors.Is.
	if err := classify.Validate(classify.Chain(checkedRule{errMine})); !errors.Is(err, errMine) {
		t.Errorf("Validate(Chain(checkedRule)) = %v; want an error that is %v", err, errMine)
	}
}

// A Chain skips every kind of nil member, and asks the others: a typed nil
// used to panic when the chain asked it.
func TestChainSkipsTypedNils(t *testing.T) {
	c := classify.Chain(nil, classify.Func(nil), (*ptrRule)(nil), funcRule(nil), classify.Is(io.EOF, classify.Transient))
	if got := classify.Chain(c).Classify(io.EOF); got != classify.Transient {
		t.Errorf("Classify(EOF) = %v; want Transient", got)
	}
	if got, want := fmt.Sprint(c), "classify.Chain(classify.Is(EOF, classify.Transient))"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

// Match of a nil function has no opinion rather than panicking when it
// meets an error of its type.
func TestMatchOfNilHasNoOpinion(t *testing.T) {
	m := classify.Match[*codeError](nil)
	if got := m.Classify(&codeError{503}); got != classify.Unknown {
		t.Errorf("Classify(codeError) = %v; want Unknown", got)
	}
}

// Validate allocates nothing for a classifier it accepts: retry.Do checks
// a classifier passed to it on every call.
func TestValidateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c := classify.Chain(classify.Is(io.EOF, classify.Transient), classify.As[*codeError](classify.Permanent),
		classify.Match(func(*codeError) classify.Class { return classify.Unknown }), classify.Default())
	if got := testing.AllocsPerRun(100, func() { classify.Validate(c) }); got != 0 {
		t.Errorf("Validate(%v): %v allocs; want 0", c, got)
	}
}
