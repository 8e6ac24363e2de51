package sim

import (
	"runtime"
	"sync"
)

// RunGrid runs every scenario under each of its policies, with one seed,
// and returns the results in the order of the scenarios and their policies.
// Runs are independent, so it runs as many at once as there are CPUs; the
// results do not depend on it.
func RunGrid(scenarios []Scenario, seed uint64) []Result {
	type cell struct {
		sc  Scenario
		pol Policy
	}
	var cells []cell
	for _, sc := range scenarios {
		for _, pol := range sc.Policies {
			cells = append(cells, cell{sc, pol})
		}
	}
	results := make([]Result, len(cells))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, c := range cells {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = Run(c.sc, c.pol, seed)
		})
	}
	wg.Wait()
	return results
}
