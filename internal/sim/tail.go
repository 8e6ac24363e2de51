package sim

import (
	"context"
	"math/rand/v2"
	"time"
)

// SlowTail is a dependency whose calls are mostly fast and now and then
// much slower, the tail that hedging cuts. Each call is slow with
// probability Slow, drawn for that call alone: not for its request, whose
// other calls draw again, nor for its client. A fast call is served in Fast,
// give or take Jitter (uniformly); a slow one in Fast times a factor drawn
// uniformly from SlowMin to SlowMax. No call fails.
//
// With Workers set, it serves at most Workers calls at once and the others
// wait their turn, first in first out: its capacity is Workers over the
// mean service time (Capacity). During Drop only DropFactor of its workers
// take new calls: the trigger of an overload. Without Workers, its capacity
// is unbounded and a call's time does not depend on the load.
//
// A call whose context is cancelled (a hedge's loser) returns at once with
// the context's error, if the context is the Scheduler's (WithCancel), as
// DoHedged's attempts' are. The downstream is not told: with Workers, the
// call keeps its place in the queue, or its worker, until it is served, as
// a server that does not watch for the cancel would.
type SlowTail struct {
	Fast, Jitter     time.Duration
	Slow             float64
	SlowMin, SlowMax float64

	Workers    int // 0: every call is served at once
	Drop       Window
	DropFactor float64
}

// Capacity returns the calls per second that t serves at most, on average:
// 0 if unbounded.
func (t SlowTail) Capacity() float64 {
	if t.Workers == 0 {
		return 0
	}
	mean := t.Fast.Seconds() * ((1 - t.Slow) + t.Slow*(t.SlowMin+t.SlowMax)/2)
	return float64(t.Workers) / mean
}

func (t SlowTail) build(s *Scheduler, r *rand.Rand) Downstream {
	st := &slowTail{SlowTail: t, s: s, rand: r}
	if t.Workers > 0 && !t.Drop.Empty() {
		s.At(t.Drop.To, st.next) // the workers back at the end of the drop take calls at once
	}
	return st
}

func (t SlowTail) trigger() Window { return t.Drop }

type slowTail struct {
	SlowTail
	s     *Scheduler
	rand  *rand.Rand
	queue []tailJob // waiting, first in first out
	head  int       // queue[head:] is waiting
	busy  int       // workers serving a call
}

// tailJob is a call waiting for a worker.
type tailJob struct {
	w       *wait
	service time.Duration
}

// service draws the time a call takes to serve: two draws for every call,
// slow or not, so that a call's draws do not depend on the one before.
func (t *slowTail) service() time.Duration {
	slow, u := t.rand.Float64() < t.Slow, t.rand.Float64()
	if slow {
		return time.Duration(float64(t.Fast) * (t.SlowMin + u*(t.SlowMax-t.SlowMin)))
	}
	return t.Fast - t.Jitter + time.Duration(u*float64(2*t.Jitter))
}

func (t *slowTail) Call(ctx context.Context) error {
	d := t.service()
	if t.Workers == 0 {
		if !t.s.Sleep(ctx, d) {
			return ctx.Err()
		}
		return nil
	}
	w := t.s.newWait(ctx)
	t.queue = append(t.queue, tailJob{w: w, service: d})
	t.next()
	if w.park() != wokeServed {
		return ctx.Err()
	}
	return nil
}

// workers returns the number of workers that take calls now.
func (t *slowTail) workers() int {
	if t.Drop.Contains(t.s.Elapsed()) {
		return max(1, int(float64(t.Workers)*t.DropFactor))
	}
	return t.Workers
}

// next starts serving the calls waiting, while workers are free.
func (t *slowTail) next() {
	for t.busy < t.workers() && t.head < len(t.queue) {
		j := t.queue[t.head]
		t.queue[t.head] = tailJob{}
		t.head++
		if t.head > 1024 && t.head*2 > len(t.queue) { // reclaim the served prefix
			t.queue = append(t.queue[:0], t.queue[t.head:]...)
			t.head = 0
		}
		t.busy++
		t.s.After(j.service, func() {
			t.busy--
			t.next()
			j.w.fire(wokeServed)
		})
	}
}
