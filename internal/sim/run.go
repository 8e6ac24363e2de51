package sim

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/retry"
)

// drainLimit is how long a run may go on after its last request began, for
// the requests still retrying to end. Every policy here ends its calls well
// within it; a call still running then is cut off and counts as failed.
const drainLimit = 10 * time.Minute

// errResponse is the error a layer makes of the failure of the layer below
// when that comes as a response (Scenario.Responses): a 503, Transient.
var errResponse = classify.MarkTransient(errors.New("503 Service Unavailable"))

// Run simulates scenario sc under policy pol and returns what happened. All
// its randomness comes from seed: the same arguments give the same Result,
// to the digit. Arrivals, the downstream and the retry jitter draw from
// streams of their own, so that every policy of a scenario meets the same
// arrivals.
func Run(sc Scenario, pol Policy, seed uint64) Result {
	s := NewScheduler()
	arrivals := rand.New(rand.NewPCG(seed, 1))
	down := sc.Model.build(s, rand.New(rand.NewPCG(seed, 2)))
	jitter := rand.New(rand.NewPCG(seed, 3)) // shared, safe: one goroutine runs at a time
	brk := newBreakerRun(pol, s, seed)       // nil without a breaker; its spread has stream 4

	// layersOf returns the options of each layer, for one client or all.
	layersOf := func() []retry.Option {
		layers := make([]retry.Option, sc.Layers)
		for i := range layers {
			opts := append([]retry.Option{s.Option(), retry.Rand(jitter)}, pol.Layer(i)...)
			if i == sc.Layers-1 {
				opts = append(opts, brk.options()...)
				if pol.Hedge != nil {
					opts = append(opts, pol.Hedge(s)...)
				}
			}
			layers[i] = retry.Options(opts...)
		}
		return layers
	}
	clients := make([][]retry.Option, sc.Clients) // the layers of each client
	for c := range clients {
		switch {
		case pol.PerClient:
			clients[c] = layersOf()
		case c == 0:
			clients[c] = layersOf()
		default:
			clients[c] = clients[0]
		}
	}

	rec := newRecorder(sc)
	// call runs layer i of request r, or the downstream below the last.
	var call func(ctx context.Context, r *request, layers []retry.Option, i int) error
	call = func(ctx context.Context, r *request, layers []retry.Option, i int) error {
		if i == len(layers) {
			rec.call(r, s.Elapsed())
			err := brk.call(ctx, down)
			rec.answer(r, errors.Is(err, ErrOverloaded), s.Elapsed())
			return err
		}
		op := func(ctx context.Context) error {
			err := call(ctx, r, layers, i+1)
			if err != nil && sc.Responses && i+1 < len(layers) {
				// What a caller makes of a response: an error of its own,
				// with nothing of the layer below's *retry.Error in it.
				return errResponse
			}
			return err
		}
		if pol.Hedge != nil && i == len(layers)-1 {
			_, err := retry.DoHedged(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, op(ctx) }, layers[i])
			return err
		}
		return retry.Run(ctx, op, layers[i])
	}
	begin := func(client int) {
		r := rec.begin(s.Elapsed())
		s.Go(func(ctx context.Context) {
			err := call(ctx, r, clients[client], 0)
			rec.end(r, err == nil, s.Elapsed())
		})
	}

	pending := 0 // arrivals scheduled and not yet made
	for client := range sc.Clients {
		if sc.Once {
			pending++
			s.At(time.Duration(arrivals.Float64()*float64(sc.Duration)), func() { pending--; begin(client) })
			continue
		}
		rate := sc.Rate / float64(sc.Clients)
		var next func()
		next = func() {
			t := s.Elapsed() + time.Duration(arrivals.ExpFloat64()/rate*float64(time.Second))
			if t >= sc.Duration {
				return
			}
			pending++
			s.At(t, func() { pending--; begin(client); next() })
		}
		next()
	}

	s.Run(sc.Duration+drainLimit, func() bool { return pending == 0 && s.Live() == 0 })
	s.Stop()
	res := rec.result(pol, down)
	brk.report(&res)
	return res
}
