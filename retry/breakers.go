package retry

import (
	"strconv"

	"github.com/reflexio-go/reflexio/retry/breaker"
)

// Breakers is a set of circuit breakers by key, one per downstream: a host,
// a gRPC target, a database. For returns the Breaker of a key, which it
// makes, closed, with breaker.New on the key's first use, so that one
// downstream that is down opens its own breaker and no other's:
//
//	var perHost = retry.NewBreakers(breaker.Config{}, 100)
//	…
//	v, err := retry.Do(ctx, op, retry.Breaker(perHost.For(host)))
//
// Each Breaker's Config is the one given, with the key as its Name unless
// the Config names one, so that its events say which downstream it guards.
//
// A Breakers keeps at most maxKeys keys, and forgets the least recently
// used one when a new key would exceed that, as Budgets does (see there):
// a forgotten key's next use gets a fresh, closed Breaker, as a downstream
// seen for the first time does; a downstream in trouble is one in use,
// which keeps its Breaker as long as fewer than maxKeys other keys are used
// after it. Choose maxKeys above the number of downstreams in use at once.
//
// The zero value is a Breakers with the default Config and DefaultMaxKeys
// keys. A Breakers is safe for concurrent use, and must not be copied after
// first use. For of a key already kept does not allocate, and takes a
// shared lock.
type Breakers struct {
	cfg     breaker.Config
	maxKeys int
	set     bool // made by NewBreakers; false: the defaults
	invalid *breaker.Breaker

	keys keyed[*breaker.Breaker]
}

// NewBreakers returns a Breakers that gives each key a Breaker made with
// breaker.New(cfg), named after the key unless cfg.Name is set, and keeps
// at most maxKeys keys (DefaultMaxKeys if maxKeys is below 1). An invalid
// cfg (see breaker.Config) makes every Breaker that For returns one that
// cannot work: each call that uses one fails with ErrInvalidOption, naming
// the field and its value, before its first attempt.
func NewBreakers(cfg breaker.Config, maxKeys int) *Breakers {
	if maxKeys < 1 {
		maxKeys = DefaultMaxKeys
	}
	s := &Breakers{cfg: cfg, maxKeys: maxKeys, set: true}
	if b := breaker.New(cfg); b.Err() != nil {
		s.invalid = b
	}
	return s
}

// For returns the Breaker of key, making it if the Breakers does not keep
// one.
func (s *Breakers) For(key string) *breaker.Breaker {
	if s.invalid != nil {
		return s.invalid
	}
	if b, ok := s.keys.get(key); ok {
		return b
	}
	cfg, maxKeys := s.params()
	if cfg.Name == "" {
		cfg.Name = key
	}
	return s.keys.add(key, maxKeys, func() *breaker.Breaker { return breaker.New(cfg) })
}

// Len returns the number of keys that the Breakers keeps.
func (s *Breakers) Len() int { return s.keys.len() }

// String describes the Breakers, such as "Breakers(100 keys at most)".
func (s *Breakers) String() string {
	_, maxKeys := s.params()
	return "Breakers(" + strconv.Itoa(maxKeys) + " keys at most)"
}

func (s *Breakers) params() (breaker.Config, int) {
	if !s.set {
		return breaker.Config{}, DefaultMaxKeys
	}
	return s.cfg, s.maxKeys
}
