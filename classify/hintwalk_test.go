package classify

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// RetryAfter walks the tree without a closure per node. These tests hold
// it to the walk it replaced, kept here as the reference: the same hint,
// the same answer, and the same RetryAfter methods called in the same
// order, on every shape of tree.

// referenceRetryAfter is RetryAfter as it was before its walk was unrolled,
// over referenceWalk, walk as it was then.
func referenceRetryAfter(err error) (time.Duration, bool) {
	var hint time.Duration
	found := referenceWalk(err, func(e error) bool {
		if m, ok := e.(*marked); ok {
			hint = m.hint
			return hint > 0
		}
		h, ok := e.(interface{ RetryAfter() time.Duration })
		if ok {
			hint = h.RetryAfter()
		}
		return ok && hint > 0
	})
	if !found {
		return 0, false
	}
	return hint, true
}

func referenceWalk(err error, f func(error) bool) bool {
	for err != nil {
		if f(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if referenceWalk(e, f) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// hintLog records the calls of the RetryAfter methods of the custom errors
// below, by name, so that the walks can be compared call by call.
type hintLog struct{ calls []string }

// hintLeaf has a RetryAfter method and nothing to unwrap.
type hintLeaf struct {
	name string
	hint time.Duration
	log  *hintLog
}

func (e *hintLeaf) Error() string { return e.name }
func (e *hintLeaf) RetryAfter() time.Duration {
	e.log.calls = append(e.log.calls, e.name)
	return e.hint
}

// hintWrap has a RetryAfter method and wraps one error, possibly nil.
type hintWrap struct {
	hintLeaf
	err error
}

func (e *hintWrap) Unwrap() error { return e.err }

// hintJoin has a RetryAfter method and wraps several errors, nils among
// them possibly.
type hintJoin struct {
	hintLeaf
	errs []error
}

func (e *hintJoin) Unwrap() []error { return e.errs }

// hintValue is a value type, not a pointer, with a RetryAfter method: the
// walk must find methods on values too.
type hintValue struct{ hint time.Duration }

func (e hintValue) Error() string             { return "value" }
func (e hintValue) RetryAfter() time.Duration { return e.hint }

// plainWrap wraps one error without a RetryAfter method.
type plainWrap struct{ err error }

func (e plainWrap) Error() string { return "plain wrap" }
func (e plainWrap) Unwrap() error { return e.err }

// plainJoin wraps several errors without a RetryAfter method.
type plainJoin struct{ errs []error }

func (e *plainJoin) Error() string   { return "plain join" }
func (e *plainJoin) Unwrap() []error { return e.errs }

// hintTree builds a random error tree of at most depth levels from r: every
// way this package and the standard library wrap errors, and custom errors
// with RetryAfter methods, with hints that are positive, zero and negative.
func hintTree(r *rand.Rand, log *hintLog, depth int) error {
	hints := [...]time.Duration{0, -time.Second, time.Second, 2 * time.Second, 0, 1, -1}
	hint := func() time.Duration { return hints[r.IntN(len(hints))] }
	name := func() string { return fmt.Sprintf("e%d", r.IntN(1000)) }
	leaf := func() error {
		switch r.IntN(4) {
		case 0:
			return errors.New("leaf")
		case 1:
			return &hintLeaf{name: name(), hint: hint(), log: log}
		case 2:
			return hintValue{hint()}
		}
		return nil // a nil inside a join, or a wrapper of nothing
	}
	if depth <= 0 {
		return leaf()
	}
	sub := func() error { return hintTree(r, log, depth-1) }
	subs := func() []error {
		errs := make([]error, r.IntN(4))
		for i := range errs {
			errs[i] = sub()
		}
		return errs
	}
	switch r.IntN(12) {
	case 0:
		return leaf()
	case 1:
		return Mark(sub(), Class(r.IntN(NumClasses+1)))
	case 2:
		return MarkRateLimit(sub(), hint())
	case 3:
		return WithRetryAfter(sub(), hint())
	case 4:
		// Markers made directly, so that a nil inside one is possible, as
		// the constructors never make it.
		return &marked{err: sub(), class: Class(r.IntN(NumClasses)), hint: hint()}
	case 5:
		return fmt.Errorf("wrapped: %w", sub())
	case 6:
		return errors.Join(subs()...)
	case 7:
		errs := subs()
		args := make([]any, len(errs))
		for i, e := range errs {
			args[i] = e
		}
		return fmt.Errorf(strings.Repeat("%w ", len(errs)), args...)
	case 8:
		return &hintWrap{hintLeaf: hintLeaf{name: name(), hint: hint(), log: log}, err: sub()}
	case 9:
		return &hintJoin{hintLeaf: hintLeaf{name: name(), hint: hint(), log: log}, errs: subs()}
	case 10:
		return plainWrap{sub()}
	}
	return &plainJoin{subs()}
}

// checkHintWalk fails t unless RetryAfter and the reference agree on err:
// the result and the methods called, in order.
func checkHintWalk(t *testing.T, err error, log *hintLog) {
	t.Helper()
	log.calls = nil
	wantHint, wantOK := referenceRetryAfter(err)
	wantCalls := log.calls
	log.calls = nil
	gotHint, gotOK := RetryAfter(err)
	if gotHint != wantHint || gotOK != wantOK {
		t.Fatalf("RetryAfter(%v) = %v, %v; want %v, %v (the reference's)", err, gotHint, gotOK, wantHint, wantOK)
	}
	if !slices.Equal(log.calls, wantCalls) {
		t.Fatalf("RetryAfter(%v) called the RetryAfter methods of %v; the reference called those of %v", err, log.calls, wantCalls)
	}
}

func TestRetryAfterAgreesWithReference(t *testing.T) {
	log := &hintLog{}
	leaf := errors.New("leaf")
	custom := func(name string, h time.Duration) *hintLeaf { return &hintLeaf{name: name, hint: h, log: log} }
	tests := []struct {
		name string
		err  error
	}{
		{"nil", nil},
		{"plain", leaf},
		{"marker without hint", MarkTransient(leaf)},
		{"chain of markers without hint", MarkPermanent(MarkTransient(MarkUnknown(leaf)))},
		{"rate limit", MarkRateLimit(leaf, time.Second)},
		{"zero hint over a deeper one", MarkRateLimit(WithRetryAfter(leaf, 2*time.Second), 0)},
		{"negative hint over a deeper one", WithRetryAfter(MarkRateLimit(leaf, 3*time.Second), -time.Second)},
		{"outer hint wins", WithRetryAfter(MarkRateLimit(leaf, 3*time.Second), time.Second)},
		{"custom under a marker", MarkTransient(fmt.Errorf("op: %w", custom("c", time.Second)))},
		{"custom zero, then custom", &hintWrap{hintLeaf: *custom("outer", 0), err: custom("inner", time.Minute)}},
		{"custom wrapping nil", &hintWrap{hintLeaf: *custom("w", 0)}},
		{"join, first hint in order", errors.Join(custom("a", 0), MarkRateLimit(leaf, 5*time.Second), custom("b", time.Second))},
		{"join inside a marker", MarkTransient(errors.Join(leaf, nil, WithRetryAfter(leaf, time.Second)))},
		{"join with only bad hints", errors.Join(custom("a", -1), custom("b", 0), WithRetryAfter(leaf, -time.Hour))},
		{"custom join's own hint first", &hintJoin{hintLeaf: *custom("j", time.Second), errs: []error{custom("k", time.Hour)}}},
		{"custom join without hint", &hintJoin{hintLeaf: *custom("j", 0), errs: []error{nil, custom("k", time.Hour)}}},
		{"value type", fmt.Errorf("x: %w", hintValue{time.Second})},
		{"marker of nil", &marked{hint: 0}},
		{"multiple %w", fmt.Errorf("%w %w", custom("a", 0), MarkRateLimit(custom("b", time.Second), 0))},
		{"wrapper unwrapping to nil", plainWrap{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkHintWalk(t, tt.err, log) })
	}
}

func TestRetryAfterAgreesWithReferenceOnRandomTrees(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	r := rand.New(rand.NewPCG(17, 1))
	log := &hintLog{}
	for range n {
		checkHintWalk(t, hintTree(r, log, 1+r.IntN(6)), log)
	}
}

func FuzzRetryAfterAgreesWithReference(f *testing.F) {
	for _, seed := range []uint64{0, 1, 17, 1 << 40} {
		f.Add(seed, uint8(3))
	}
	f.Fuzz(func(t *testing.T, seed uint64, depth uint8) {
		log := &hintLog{}
		r := rand.New(rand.NewPCG(seed, uint64(depth)))
		checkHintWalk(t, hintTree(r, log, int(depth%8)), log)
	})
}

// BenchmarkRetryAfter compares RetryAfter with the reference on the trees
// the retry loop meets most: a marker around a plain error, with no hint
// (every retry without pushback pays for this one) and with one.
func BenchmarkRetryAfter(b *testing.B) {
	plain := errors.New("connection reset")
	trees := []struct {
		name string
		err  error
	}{
		{"Marked", MarkTransient(plain)},
		{"Wrapped", fmt.Errorf("op: %w", MarkTransient(plain))},
		{"RateLimit", MarkRateLimit(plain, time.Second)},
	}
	for _, tree := range trees {
		b.Run(tree.name+"/impl=reference", func(b *testing.B) {
			for b.Loop() {
				referenceRetryAfter(tree.err)
			}
		})
		b.Run(tree.name+"/impl=new", func(b *testing.B) {
			for b.Loop() {
				RetryAfter(tree.err)
			}
		})
	}
}
