package observe

import "strconv"

// A Kind names an event type without building an event. Subscribers that
// take only some kinds say so (see Selective), and the retry loop builds no
// event of a kind nobody takes. A Kind's String is a stable, low-cardinality
// label for metrics.
//
// The zero value is not a kind.
type Kind uint8

// The kinds, one per event type.
const (
	KindSuccess Kind = iota + 1
	KindRetry
	KindPermanentFailure
	KindMaxAttemptsExceeded
	KindMaxUnknownAttemptsExceeded
	KindMaxClassAttemptsExceeded
	KindDeadlineExceeded
	KindCancelled
	KindBudgetExhausted
	KindBreakerStateChange
	KindBreakerRejected
	KindHedgeStarted
	KindHedgeWon
	KindHedgeCancelled

	numKinds = int(KindHedgeCancelled) + 1
)

var kindNames = [numKinds]string{
	KindSuccess:                    "success",
	KindRetry:                      "retry",
	KindPermanentFailure:           "permanent_failure",
	KindMaxAttemptsExceeded:        "max_attempts_exceeded",
	KindMaxUnknownAttemptsExceeded: "max_unknown_attempts_exceeded",
	KindMaxClassAttemptsExceeded:   "max_class_attempts_exceeded",
	KindDeadlineExceeded:           "deadline_exceeded",
	KindCancelled:                  "cancelled",
	KindBudgetExhausted:            "budget_exhausted",
	KindBreakerStateChange:         "breaker_state_change",
	KindBreakerRejected:            "breaker_rejected",
	KindHedgeStarted:               "hedge_started",
	KindHedgeWon:                   "hedge_won",
	KindHedgeCancelled:             "hedge_cancelled",
}

// String returns the kind's label in snake case, such as "retry" or
// "max_attempts_exceeded", the names the Python reflexio gives its events,
// or "Kind(99)" for a value that is not one of the constants.
func (k Kind) String() string {
	if k > 0 && int(k) < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// A Set is a set of kinds, one bit per kind. The zero value is empty. Sets
// combine with the bitwise operators: a|b is the union, a&b the
// intersection, a&^b the difference.
type Set uint32

// All is the set of every kind.
const All Set = 1<<numKinds - 2

// SetOf returns the set of ks. Values that are not kinds are left out.
func SetOf(ks ...Kind) Set {
	var s Set
	for _, k := range ks {
		s |= 1 << k
	}
	return s & All
}

// Has reports whether k is in s.
func (s Set) Has(k Kind) bool { return s&(1<<k) != 0 }

// String returns the labels of the kinds in s, in the order of the
// constants, separated by "|", such as "success|retry", or "0" for the
// empty set.
func (s Set) String() string {
	if s == 0 {
		return "0"
	}
	var b []byte
	for k := range 32 {
		if s&(1<<k) == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, Kind(k).String()...)
	}
	return string(b)
}
