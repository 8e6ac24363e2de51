package sim

import (
	"container/heap"
	"time"
)

// An event is something that happens at a virtual time: a process wakes up,
// a request arrives, the server finishes a job.
type event struct {
	at  time.Duration // since the start of the run
	seq uint64        // the order of scheduling, which breaks ties
	fn  func()
}

// eventQueue is a priority queue of events, earliest first and, at one
// time, in the order they were scheduled, so that a run never depends on
// how the heap happens to order equal keys.
type eventQueue []event

func (q eventQueue) Len() int { return len(q) }

func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

func (q *eventQueue) Push(x any) { *q = append(*q, x.(event)) }

func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = event{} // let fn be collected
	*q = old[:len(old)-1]
	return e
}

var _ heap.Interface = (*eventQueue)(nil)
