package retry_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/internal/hook"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
)

// The promises of cost that the docs make and TestAllocs does not pin:
// what boxed events cost, how many bytes a call allocates, which clock
// readings an explicit MaxRetryTime spares, and the figures of the README.

// boxedCounter is a Subscriber of a type of its own, not a Func: the loop
// hands it every event boxed. It takes every kind; kinds are those that
// a selectiveCounter made of it takes.
type boxedCounter struct {
	n     *int
	kinds observe.Set
}

func (c boxedCounter) Handle(context.Context, observe.Event) { *c.n++ }

// selectiveCounter is a boxedCounter that tells the loop which kinds it
// takes (observe.Selective).
type selectiveCounter struct{ boxedCounter }

func (c selectiveCounter) Kinds() observe.Set { return c.kinds }

// "Every other subscriber receives each event boxed into an
// observe.Event, one allocation per event, shared by all of them"
// (retry.Subscribe, observe's doc and Func, the README's Performance, the
// Retry3Observed scenario of internal/bench): a call that retries twice
// sends three events (Retry, Retry, Success), boxed once each however many
// subscribers take them, and none of a kind that no boxed subscriber takes.
func TestBoxedEventsCostOneAllocationEach(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	zero := retry.Backoff(backoff.Constant(0))
	n := 0
	funcOfEvent := observe.Func(func(observe.Event) { n++ })
	other := boxedCounter{n: &n}
	onlyRetries := selectiveCounter{boxedCounter{n: &n, kinds: observe.SetOf(observe.KindRetry)}}
	typed := observe.Func(func(observe.Retry) { n++ })
	typedSuccess := observe.Func(func(observe.Success) { n++ })
	base := testing.AllocsPerRun(100, func() { retry.Do(ctx, failTimes(2, transient), zero) })
	tests := []struct {
		name   string
		opts   retry.Option
		events float64 // the events boxed
	}{
		{"a Func[Event]", retry.Options(zero, retry.Subscribe(funcOfEvent)), 3},
		{"a Subscriber of a type of its own", retry.Options(zero, retry.Subscribe(other)), 3},
		{"a Func[Event] and a Subscriber of its own, in one Subscribe", retry.Options(zero, retry.Subscribe(funcOfEvent, other)), 3},
		{"a Func[Event] and a Subscriber of its own, in two Subscribes", retry.Options(zero, retry.Subscribe(funcOfEvent), retry.Subscribe(other)), 3},
		{"a Multi of a Func[Event], a Subscriber of its own and a Func[Retry]", retry.Options(zero, retry.Subscribe(observe.Multi(funcOfEvent, other, typed))), 3},
		{"a Subscriber that takes only Retry", retry.Options(zero, retry.Subscribe(onlyRetries)), 2},
		// Success goes to the Func by value, and to no boxed subscriber.
		{"a Subscriber that takes only Retry and a Func[Success]", retry.Options(zero, retry.Subscribe(onlyRetries, typedSuccess)), 2},
	}
	for _, tt := range tests {
		op := failTimes(2, transient)
		got := testing.AllocsPerRun(100, func() { retry.Do(ctx, op, tt.opts) })
		if want := base + tt.events; got != want {
			t.Errorf("Do with %s, bundled, after two zero-delay retries: %v allocs; want %v: %v for the call, one for each of the %v events it boxes", tt.name, got, want, base, tt.events)
		}
	}
	if n == 0 {
		t.Error("the subscribers saw no event")
	}
}

// bytesPerRun returns the bytes of heap that f allocates, on average over
// runs calls, after a first call that warms it up, as AllocsPerRun counts
// allocations: on one P, from the runtime's exact statistics.
func bytesPerRun(runs int, f func()) uint64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// numbers are the counts that the docs spell out.
var numbers = map[string]float64{"no": 0, "once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}

// sentence returns the submatches of pattern in file, a path from the
// repository's root, where any run of spaces and line breaks counts as one
// space (and, in a Go file, comment markers do not count). It fails the
// test if the file has no match: the sentence moved, or says something
// that this test cannot read.
func sentence(t *testing.T, file, pattern string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if strings.HasSuffix(file, ".go") {
		text = strings.ReplaceAll(text, "\n//", "\n")
	}
	text = strings.Join(strings.Fields(text), " ")
	m := regexp.MustCompile(pattern).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s: nothing matches %q: the sentence moved or changed; update this test with it", file, pattern)
	}
	return m
}

// number returns the count that word spells, or fails the test.
func number(t *testing.T, file, word string) float64 {
	t.Helper()
	n, ok := numbers[strings.ToLower(word)]
	if !ok {
		t.Fatalf("%s: %q is not a count this test reads", file, word)
	}
	return n
}

// TestREADMEPerformanceFigures keeps the figures of the README's
// Performance section in step with what the calls cost: what a call that
// succeeds at once allocates (its count and bytes), and how many more
// allocations a hedged call whose hedge does not fire makes.
func TestREADMEPerformanceFigures(t *testing.T) {
	skipIfRace(t)
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	zero := retry.Options(retry.Backoff(backoff.Constant(0)))
	hedged := retry.Options(retry.Backoff(backoff.Constant(0)), retry.Hedge(time.Hour, 2))

	m := sentence(t, "README.md", `reflexio allocates (\w+) on that path \((\d+) bytes`)
	if got, want := testing.AllocsPerRun(100, func() { retry.Do(ctx, ok) }), number(t, "README.md", m[1]); got != want {
		t.Errorf("README.md says a call that succeeds at once allocates %s; it makes %v allocations", m[1], got)
	}
	if got := bytesPerRun(100, func() { retry.Do(ctx, ok) }); strconv.FormatUint(got, 10) != m[2] {
		t.Errorf("README.md says a call that succeeds at once allocates %s bytes; it allocates %d", m[2], got)
	}

	m = sentence(t, "README.md", "a hedged call \\(`DoHedged`\\) that does not hedge adds (\\w+) allocations")
	do := testing.AllocsPerRun(100, func() { retry.Do(ctx, ok, zero) })
	doHedged := testing.AllocsPerRun(100, func() { retry.DoHedged(ctx, ok, hedged) })
	if got, want := doHedged-do, number(t, "README.md", m[1]); got != want {
		t.Errorf("README.md says a hedged call that does not hedge adds %s allocations; it adds %v (%v, against %v for Do)", m[1], got, doHedged, do)
	}
}

// "A call that succeeds at once never reads the clock for it"
// (MaxRetryTime; internal/bench's README says it of the Bundle scenarios,
// whose MaxRetryTime is written out): the time limit of an explicit
// MaxRetryTime starts at the first failure, as the default one does.
func TestExplicitMaxRetryTimeReadsNoClockOnSuccess(t *testing.T) {
	failOnce := func() func(context.Context) error {
		n := 0
		return func(context.Context) error {
			if n++; n == 1 {
				return transient
			}
			return nil
		}
	}
	ok := func(context.Context) error { return nil }
	zero := retry.Backoff(backoff.Constant(0))
	// The Bundle scenarios' bundle (internal/bench/reflexio_test.go).
	bench := retry.Options(retry.Name("bench"), retry.MaxAttempts(5), retry.MaxRetryTime(time.Minute),
		zero, retry.MaxUnknownAttempts(3), retry.NoBudget())
	tests := []struct {
		name string
		op   func(context.Context) error
		opts []retry.Option
		want int
	}{
		{"MaxRetryTime(1m), success", ok, []retry.Option{retry.MaxRetryTime(time.Minute)}, 0},
		{"the bench's bundle, success", ok, []retry.Option{bench}, 0},
		{"NoDeadline, then MaxRetryTime(1m), success", ok, []retry.Option{retry.NoDeadline(), retry.MaxRetryTime(time.Minute)}, 0},
		// The seam counts: the first failure starts the limit.
		{"MaxRetryTime(1m), one failure", failOnce(), []retry.Option{retry.MaxRetryTime(time.Minute), zero}, 1},
	}
	for _, tt := range tests {
		clock := &countingClock{virtualClock: virtualClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}
		opts := append([]retry.Option{hook.WithClock(clock).(retry.Option)}, tt.opts...)
		if err := retry.Run(context.Background(), tt.op, opts...); err != nil {
			t.Fatalf("%s: Run = %v", tt.name, err)
		}
		if clock.reads != tt.want {
			t.Errorf("%s: the clock was read %d times; want %d", tt.name, clock.reads, tt.want)
		}
	}
}

// "For of a key already kept does not allocate" (Latencies), as Budgets
// and Breakers promise and test.
func TestLatenciesLookupDoesNotAllocate(t *testing.T) {
	skipIfRace(t)
	s := retry.NewLatencies(retry.LatencyConfig{}, 10)
	key := "users.internal:443"
	s.For(key)
	if n := testing.AllocsPerRun(100, func() { s.For(key) }); n != 0 {
		t.Errorf("For of a kept key: %v allocations; want 0", n)
	}
}
