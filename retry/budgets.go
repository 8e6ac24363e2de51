package retry

import "strconv"

// DefaultMaxKeys is the number of keys that the zero Budgets keeps, and
// that the integrations' per-downstream budgets keep.
const DefaultMaxKeys = 1024

// Budgets is a set of Budgets by key, one per downstream: a host, a gRPC
// target, a database. For returns the Budget of a key, which it makes, full,
// with NewBudget(ratio, burst) on the key's first use, so that a downstream
// that is down cannot use up the retries of the others:
//
//	var perHost = retry.NewBudgets(0.1, 10, 100)
//	…
//	v, err := retry.Do(ctx, op, perHost.For(host))
//
// A Budgets keeps at most maxKeys keys. When a new key would exceed that, it
// forgets the least recently used key (keys last used between the same two
// arrivals of new keys count as equally recent), and that key's next use
// gets a fresh, full Budget. That is safe: it is what a downstream seen for
// the first time gets, and a forgotten key costs its downstream at most one
// more burst of retries; a downstream in trouble is one in use, which keeps
// its Budget as long as fewer than maxKeys other keys are used after it.
// Choose maxKeys above the number of downstreams in use at once.
//
// The zero value is a Budgets with the defaults of the integrations:
// NewBudgets(0.1, 10, DefaultMaxKeys). A Budgets is safe for concurrent use,
// and must not be copied after first use. For of a key already kept does not
// allocate, and takes a shared lock: calls to different downstreams do not
// wait for one another.
type Budgets struct {
	ratio   float64
	burst   int
	maxKeys int
	invalid *Budget // the Budget of every key, when the parameters are invalid
	set     bool    // made by NewBudgets; false: the defaults

	keys keyed[*Budget]
}

// NewBudgets returns a Budgets that gives each key a Budget made with
// NewBudget(ratio, burst), and keeps at most maxKeys keys. Invalid
// parameters (see NewBudget; maxKeys must be at least 1) make every Budget
// that For returns invalid: each call that uses one fails with
// ErrInvalidOption, naming the value, before its first attempt.
func NewBudgets(ratio float64, burst, maxKeys int) *Budgets {
	s := &Budgets{ratio: ratio, burst: burst, maxKeys: maxKeys, set: true}
	if b := NewBudget(ratio, burst); b.err != "" {
		s.invalid = b
	} else if maxKeys < 1 {
		b := &Budget{ratio: ratio, burst: burst, err: "maxKeys " + strconv.Itoa(maxKeys) + " of Budgets must be at least 1"}
		b.self = b
		s.invalid = b
	}
	return s
}

// For returns the Budget of key, making it if the Budgets does not keep
// one.
func (s *Budgets) For(key string) *Budget {
	if s.invalid != nil {
		return s.invalid
	}
	if b, ok := s.keys.get(key); ok {
		return b
	}
	ratio, burst, maxKeys := s.params()
	return s.keys.add(key, maxKeys, func() *Budget { return NewBudget(ratio, burst) })
}

// Len returns the number of keys that the Budgets keeps.
func (s *Budgets) Len() int { return s.keys.len() }

// String describes the Budgets as the call that makes it, such as
// "Budgets(0.1, 10, 1024)".
func (s *Budgets) String() string {
	ratio, burst, maxKeys := s.params()
	return "Budgets(" + strconv.FormatFloat(ratio, 'g', -1, 64) + ", " + strconv.Itoa(burst) + ", " + strconv.Itoa(maxKeys) + ")"
}

// params returns the parameters of s, the defaults for the zero value.
func (s *Budgets) params() (ratio float64, burst, maxKeys int) {
	if !s.set {
		return 0.1, 10, DefaultMaxKeys
	}
	return s.ratio, s.burst, s.maxKeys
}
