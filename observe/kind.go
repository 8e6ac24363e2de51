package observe

import "strconv"

// A Kind names an event type without building an event. Subscribers that
// take only some kinds say so (see Selective), and the retry loop builds no
// event of a kind nobody takes. A Kind's String is a stable, low-cardinality label
// for metrics.
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

	numKinds = int(KindCancelled) + 1
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
}

// String returns the kind's label in snake case, such as "retry" or
// "max_attempts_exceeded", the names the Python reflexio gives its events.
func (k Kind) String() string {
	if k > 0 && int(k) < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// A Set is a set of kinds, one bit per kind. The zero value is empty.
type Set uint32

// All is the set of every kind.
const All Set = 1<<numKinds - 2

// SetOf returns the set of ks.
func SetOf(ks ...Kind) Set {
	var s Set
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

// Has reports whether k is in s.
func (s Set) Has(k Kind) bool { return s&(1<<k) != 0 }
