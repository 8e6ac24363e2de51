package sim

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// Server is a server of fixed capacity with a queue in front, and clients
// that stop waiting for it after a timeout. It serves one request at a time,
// first in first out, each taking 1/Capacity seconds, so that it completes
// at most Capacity requests per second. During Drop its capacity is
// multiplied by DropFactor: the trigger of a metastable failure.
//
// A client waits Timeout for its answer, then fails its attempt as
// Transient. The server does not know: it still serves the abandoned
// request when its turn comes, and that work is wasted. This is the
// mechanism of metastable failure: once the queue is longer than the
// clients' patience, the server spends its whole capacity on requests whose
// clients have left, and their retries keep the queue that long even after
// the trigger is gone.
//
// With Shed set, the server pushes back instead: a request that arrives
// when the queue's work would take longer than Shed to serve is rejected at
// once with a 429 carrying a Retry-After hint of RetryAfter. Saying no is not
// free: a rejection costs RejectCost of a request's work, served in turn.
//
// The service time of a request is fixed when its service begins, from the
// capacity at that moment.
//
// With P set, a request that the server serves fails, once served, with
// probability P, independently of every other: a 503 (ServerError), as a
// server with a faulty dependency of its own answers.
type Server struct {
	Capacity   float64 // requests per second
	Timeout    time.Duration
	Drop       Window
	DropFactor float64
	P          float64 // 0: every request served succeeds

	Shed       time.Duration // 0: never reject
	RetryAfter time.Duration
	RejectCost float64 // in requests' work
}

type server struct {
	Server
	s     *Scheduler
	rand  *rand.Rand
	queue []job   // waiting, first in first out
	head  int     // queue[head:] is waiting
	work  float64 // the work waiting, in requests
	busy  bool

	served, wasted float64 // work done for waiting clients; for departed ones and rejections
}

// job is one piece of work the server does.
type job struct {
	cost float64 // in requests' work
	w    *wait   // the client waiting for the answer; nil for a rejection
}

// capacity returns the requests per second the server completes now.
func (sv *server) capacity() float64 {
	if sv.Drop.Contains(sv.s.Elapsed()) {
		return sv.Capacity * sv.DropFactor
	}
	return sv.Capacity
}

func (sv *server) Call(ctx context.Context) error {
	if sv.Shed > 0 && sv.work/sv.capacity() > sv.Shed.Seconds() {
		sv.enqueue(job{cost: sv.RejectCost})
		return classify.MarkRateLimit(ErrOverloaded, sv.RetryAfter)
	}
	w := sv.s.newWait(ctx)
	sv.enqueue(job{cost: 1, w: w})
	sv.s.After(sv.Timeout, func() { w.fire(wokeTimer) })
	switch w.park() {
	case wokeServed:
		return nil
	case wokeFailed:
		return classify.MarkServerError(ErrUnavailable)
	case wokeTimer:
		return classify.MarkTransient(ErrTimeout)
	default:
		return ctx.Err()
	}
}

func (sv *server) enqueue(j job) {
	if j.cost <= 0 {
		return
	}
	sv.queue = append(sv.queue, j)
	sv.work += j.cost
	sv.next()
}

// next starts serving the first job waiting, if the server is idle.
func (sv *server) next() {
	if sv.busy || sv.head == len(sv.queue) {
		return
	}
	j := sv.queue[sv.head]
	sv.queue[sv.head] = job{}
	sv.head++
	if sv.head > 1024 && sv.head*2 > len(sv.queue) { // reclaim the served prefix
		sv.queue = append(sv.queue[:0], sv.queue[sv.head:]...)
		sv.head = 0
	}
	sv.work -= j.cost
	sv.busy = true
	d := time.Duration(j.cost / sv.capacity() * float64(time.Second))
	sv.s.After(d, func() {
		sv.busy = false
		sv.next()
		switch {
		case j.w == nil:
			sv.wasted += j.cost // a rejection's work
		case j.w.why != wokeNone:
			sv.wasted += j.cost // the client left
		case sv.P > 0 && sv.rand.Float64() < sv.P: // drawn only with P, so that a run without is the same
			sv.served += j.cost
			j.w.fire(wokeFailed)
		default:
			sv.served += j.cost
			j.w.fire(wokeServed)
		}
	})
}
