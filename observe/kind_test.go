package observe_test

import (
	"math"
	"slices"
	"testing"

	"github.com/reflexio-go/reflexio/observe"
)

// kinds are the kinds, in the order of the constants.
var kinds = []observe.Kind{
	observe.KindSuccess,
	observe.KindRetry,
	observe.KindPermanentFailure,
	observe.KindMaxAttemptsExceeded,
	observe.KindMaxUnknownAttemptsExceeded,
	observe.KindMaxClassAttemptsExceeded,
	observe.KindDeadlineExceeded,
	observe.KindCancelled,
	observe.KindBudgetExhausted,
	observe.KindBreakerStateChange,
	observe.KindBreakerRejected,
	observe.KindHedgeStarted,
	observe.KindHedgeWon,
	observe.KindHedgeCancelled,
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    observe.Kind
		want string
	}{
		{observe.KindSuccess, "success"},
		{observe.KindRetry, "retry"},
		{observe.KindPermanentFailure, "permanent_failure"},
		{observe.KindMaxAttemptsExceeded, "max_attempts_exceeded"},
		{observe.KindMaxUnknownAttemptsExceeded, "max_unknown_attempts_exceeded"},
		{observe.KindMaxClassAttemptsExceeded, "max_class_attempts_exceeded"},
		{observe.KindDeadlineExceeded, "deadline_exceeded"},
		{observe.KindCancelled, "cancelled"},
		{observe.KindBudgetExhausted, "budget_exhausted"},
		{observe.KindBreakerStateChange, "breaker_state_change"},
		{observe.KindBreakerRejected, "breaker_rejected"},
		{observe.KindHedgeStarted, "hedge_started"},
		{observe.KindHedgeWon, "hedge_won"},
		{observe.KindHedgeCancelled, "hedge_cancelled"},
		{0, "Kind(0)"},
		{observe.KindHedgeCancelled + 1, "Kind(15)"},
		{math.MaxUint8, "Kind(255)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q; want %q", uint8(tt.k), got, tt.want)
		}
	}
}

func TestAllHasEveryKindAndNothingElse(t *testing.T) {
	var want observe.Set
	for _, k := range kinds {
		want |= observe.SetOf(k)
	}
	if observe.All != want {
		t.Errorf("All = %v; want %v", observe.All, want)
	}
	for k := range math.MaxUint8 + 1 {
		k := observe.Kind(k)
		isKind := k >= observe.KindSuccess && k <= observe.KindHedgeCancelled
		if got := observe.All.Has(k); got != isKind {
			t.Errorf("All.Has(%v) = %v; want %v", k, got, isKind)
		}
	}
}

func TestSetOf(t *testing.T) {
	tests := []struct {
		name string
		ks   []observe.Kind
		has  []observe.Kind
	}{
		{"none is empty", nil, nil},
		{"one kind", []observe.Kind{observe.KindRetry}, []observe.Kind{observe.KindRetry}},
		{"several kinds", []observe.Kind{observe.KindCancelled, observe.KindSuccess}, []observe.Kind{observe.KindSuccess, observe.KindCancelled}},
		{"duplicates count once", []observe.Kind{observe.KindRetry, observe.KindRetry}, []observe.Kind{observe.KindRetry}},
		{"every kind is All", kinds, kinds},
		{"values that are not kinds are left out", []observe.Kind{0, observe.KindHedgeCancelled + 1, 31, 32, math.MaxUint8, observe.KindRetry}, []observe.Kind{observe.KindRetry}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := observe.SetOf(tt.ks...)
			var got []observe.Kind
			for k := range math.MaxUint8 + 1 {
				if s.Has(observe.Kind(k)) {
					got = append(got, observe.Kind(k))
				}
			}
			if !slices.Equal(got, tt.has) {
				t.Errorf("SetOf(%v) has %v; want %v", tt.ks, got, tt.has)
			}
			if s&^observe.All != 0 {
				t.Errorf("SetOf(%v) = %v, outside All", tt.ks, s)
			}
		})
	}
}

func TestSetHasOutOfRange(t *testing.T) {
	full := observe.Set(math.MaxUint32)
	for _, k := range []observe.Kind{32, 40, 64, math.MaxUint8} {
		if full.Has(k) {
			t.Errorf("Set(MaxUint32).Has(%v) = true; want false", k)
		}
	}
}

func TestSetString(t *testing.T) {
	tests := []struct {
		s    observe.Set
		want string
	}{
		{0, "0"},
		{observe.SetOf(observe.KindRetry), "retry"},
		{observe.SetOf(observe.KindCancelled, observe.KindSuccess), "success|cancelled"},
		{observe.All, "success|retry|permanent_failure|max_attempts_exceeded|max_unknown_attempts_exceeded|max_class_attempts_exceeded|deadline_exceeded|cancelled|budget_exhausted|breaker_state_change|breaker_rejected|hedge_started|hedge_won|hedge_cancelled"},
		{observe.Set(1<<0 | 1<<2 | 1<<31), "Kind(0)|retry|Kind(31)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Set(%#x).String() = %q; want %q", uint32(tt.s), got, tt.want)
		}
	}
}
