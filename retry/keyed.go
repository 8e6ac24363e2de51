package retry

import (
	"sync"
	"sync/atomic"
)

// This file is the one registry of per-downstream state: Budgets keeps
// its Budgets in a keyed, Breakers its Breakers, each typed, each bounded
// by the same rule.

// keyed is a bounded map from string keys to values of V, safe for
// concurrent use, that forgets the least recently used key when it is
// full. Recency is counted in arrivals of new keys, so that a lookup only
// reads shared memory while nothing arrives: it writes an entry's stamp
// only the first time the entry is used after an arrival.
type keyed[V any] struct {
	mu      sync.RWMutex
	entries map[string]*entry[V]
	clock   atomic.Uint64 // the arrivals so far
}

type entry[V any] struct {
	value V
	used  atomic.Uint64 // the clock at the entry's last use
}

// get returns the value of key, if there is one, and marks it used.
func (k *keyed[V]) get(key string) (V, bool) {
	k.mu.RLock()
	e, ok := k.entries[key]
	k.mu.RUnlock()
	if !ok {
		var zero V
		return zero, false
	}
	if now := k.clock.Load(); e.used.Load() != now {
		e.used.Store(now)
	}
	return e.value, true
}

// add returns the value of key, which it makes with newValue if there is none,
// first forgetting the least recently used key if k holds max of them.
func (k *keyed[V]) add(key string, max int, newValue func() V) V {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.entries[key]; ok { // another goroutine added it first
		e.used.Store(k.clock.Load())
		return e.value
	}
	if k.entries == nil {
		k.entries = map[string]*entry[V]{}
	}
	if len(k.entries) >= max {
		k.evict()
	}
	now := k.clock.Add(1)
	e := &entry[V]{value: newValue()}
	e.used.Store(now)
	k.entries[key] = e
	return e.value
}

// evict forgets the least recently used key. k.mu must be held.
func (k *keyed[V]) evict() {
	var (
		oldest string
		stamp  uint64
		found  bool
	)
	for key, e := range k.entries {
		if u := e.used.Load(); !found || u < stamp {
			oldest, stamp, found = key, u, true
		}
	}
	delete(k.entries, oldest)
}

// len returns the number of keys in k.
func (k *keyed[V]) len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.entries)
}
