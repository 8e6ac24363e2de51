package backoff_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"sync"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
)

// strategies is one of each strategy and decorator, as the benchmarks and
// the allocation and concurrency tests use them.
var strategies = []struct {
	name string
	s    backoff.Strategy
}{
	{"Constant", backoff.Constant(time.Second)},
	{"Exponential", backoff.Exponential(100*time.Millisecond, 10*time.Second)},
	{"FullJitter", backoff.FullJitter(100*time.Millisecond, 10*time.Second)},
	{"EqualJitter", backoff.EqualJitter(100*time.Millisecond, 10*time.Second)},
	{"EqualJitterGrowth", backoff.EqualJitterGrowth(100*time.Millisecond, 20*time.Second, 1.5)},
	{"DecorrelatedJitter", backoff.DecorrelatedJitter(250*time.Millisecond, 30*time.Second)},
	{"Cap", backoff.Cap(time.Second, backoff.FullJitter(100*time.Millisecond, 10*time.Second))},
	{"Floor", backoff.Floor(time.Second, backoff.FullJitter(100*time.Millisecond, 10*time.Second))},
	{"Jitter", backoff.Jitter(0.5, backoff.Exponential(100*time.Millisecond, 10*time.Second))},
	{"Func", backoff.Func(func(in backoff.Input) time.Duration {
		if in.Class == classify.RateLimit {
			return 5 * time.Second
		}
		return time.Duration(in.Attempt) * time.Second
	})},
	{"Nested", backoff.Floor(10*time.Millisecond, backoff.Cap(5*time.Second, backoff.Jitter(0.5, backoff.Exponential(100*time.Millisecond, 10*time.Second))))},
}

func TestDelayDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, tt := range strategies {
		in := backoff.Input{Attempt: 7, Class: classify.Transient, Prev: time.Second, Random: 0.5}
		allocs := testing.AllocsPerRun(100, func() {
			in.Attempt++
			tt.s.Delay(in)
		})
		if allocs != 0 {
			t.Errorf("%v.Delay: %v allocations; want 0", tt.s, allocs)
		}
	}
}

// TestDelayDoesNotAllocateCoversEveryStrategy keeps strategies in step with
// the package: "every strategy here ... never allocates in Delay" (the
// package's Guarantees) holds of the strategies that TestDelayDoesNotAllocate
// measures, which must be every function of the package that returns a
// Strategy.
func TestDelayDoesNotAllocateCoversEveryStrategy(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	measured := map[string]bool{}
	for _, tt := range strategies {
		measured[tt.name] = true
	}
	fset := token.NewFileSet()
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || fn.Type.Results == nil || len(fn.Type.Results.List) != 1 {
				continue
			}
			if id, ok := fn.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "Strategy" {
				continue
			}
			if !measured[fn.Name.Name] {
				t.Errorf("%s: %s returns a Strategy that TestDelayDoesNotAllocate does not measure: add it to strategies", fset.Position(fn.Pos()), fn.Name.Name)
			}
		}
	}
}

// TestSharedAcrossGoroutines shares each strategy across goroutines, as the
// retry loop shares one between calls; under -race it shows that Delay
// keeps no state. Every goroutine must see the same delays.
func TestSharedAcrossGoroutines(t *testing.T) {
	for _, tt := range strategies {
		want := make([]time.Duration, 100)
		for i := range want {
			want[i] = tt.s.Delay(backoff.Input{Attempt: i, Prev: time.Duration(i) * time.Millisecond, Random: float64(i) / 100})
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i := range want {
					in := backoff.Input{Attempt: i, Prev: time.Duration(i) * time.Millisecond, Random: float64(i) / 100}
					if got := tt.s.Delay(in); got != want[i] {
						t.Errorf("%v.Delay(%+v) = %v; want %v", tt.s, in, got, want[i])
					}
				}
			})
		}
		wg.Wait()
	}
}

func BenchmarkDelay(b *testing.B) {
	for _, tt := range strategies {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			in := backoff.Input{Attempt: 5, Prev: time.Second, Random: 0.5}
			var sink time.Duration
			for b.Loop() {
				in.Attempt = in.Attempt&63 + 1
				sink += tt.s.Delay(in)
			}
			_ = sink
		})
	}
}
