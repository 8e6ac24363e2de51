package latency

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"
)

func TestBucketsTileTheLatencies(t *testing.T) {
	next := time.Duration(0)
	for i := range buckets {
		lo, hi := bounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %v; want %v, where bucket %d ends", i, lo, next, i-1)
		}
		if hi <= lo {
			t.Fatalf("bucket %d is [%v, %v): empty", i, lo, hi)
		}
		if got := bucket(lo); got != i {
			t.Errorf("bucket(%v) = %d; want %d", lo, got, i)
		}
		if got := bucket(hi - 1); got != i {
			t.Errorf("bucket(%v) = %d; want %d", hi-1, got, i)
		}
		if i >= sub && float64(hi-lo) > float64(lo)/sub {
			t.Errorf("bucket %d is [%v, %v): wider than 1/%d of its lower bound", i, lo, hi, sub)
		}
		next = hi
	}
	if next != maxLatency {
		t.Errorf("the buckets end at %v; want %v", next, maxLatency)
	}
	for _, d := range []time.Duration{-1, math.MinInt64} {
		if got := bucket(d); got != 0 {
			t.Errorf("bucket(%v) = %d; want 0", d, got)
		}
	}
	for _, d := range []time.Duration{maxLatency, math.MaxInt64} {
		if got := bucket(d); got != buckets-1 {
			t.Errorf("bucket(%v) = %d; want the top one, %d", d, got, buckets-1)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{Quantile: 1}, "latency: Quantile 1: want more than 0 and less than 1"},
		{Config{Quantile: -0.5}, "latency: Quantile -0.5: want more than 0 and less than 1"},
		{Config{Quantile: math.NaN()}, "latency: Quantile NaN: want more than 0 and less than 1"},
		{Config{Window: -time.Second}, "latency: Window -1s: want at least 1ms"},
		{Config{Window: time.Microsecond}, "latency: Window 1µs: want at least 1ms"},
		{Config{MinSamples: -1}, "latency: MinSamples -1: want at least 1"},
	}
	for _, tt := range tests {
		e, err := New(tt.c)
		if err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v) = %v, %v; want the error %q", tt.c, e, err, tt.want)
		}
	}
}

func TestZeroConfigTakesTheDefaults(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if e.q != DefaultQuantile || e.min != DefaultMinSamples || e.slotLen*slots != DefaultWindow {
		t.Errorf("New(Config{}) has quantile %v, min %d, window %v; want %v, %d, %v",
			e.q, e.min, e.slotLen*slots, DefaultQuantile, DefaultMinSamples, DefaultWindow)
	}
}

func TestNoEstimateUntilMinSamples(t *testing.T) {
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range DefaultMinSamples {
		if d, ok := e.Quantile(); ok {
			t.Fatalf("after %d latencies, Quantile() = %v, true; want none before %d", i, d, DefaultMinSamples)
		}
		e.Observe(10 * time.Millisecond)
	}
	d, ok := e.Quantile()
	if lo, hi := bounds(bucket(10 * time.Millisecond)); !ok || d < lo || d >= hi {
		t.Errorf("after %d latencies of 10ms, Quantile() = %v, %v; want within [%v, %v)", DefaultMinSamples, d, ok, lo, hi)
	}
}

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// model is what an Estimator should remember: every latency with the slot
// of time it was observed in.
type model struct {
	epoch   int64
	slotLen time.Duration
	start   time.Time
	samples []sample
}

type sample struct {
	epoch int64
	d     time.Duration
}

// at moves the model's clock to now, as Estimator.current does.
func (m *model) at(now time.Time) {
	if el := now.Sub(m.start); el >= 0 {
		m.epoch = max(m.epoch, int64(el/m.slotLen))
	}
}

// remembered returns the latencies of the last slots slots, sorted.
func (m *model) remembered() []time.Duration {
	var ds []time.Duration
	for _, s := range m.samples {
		if s.epoch > m.epoch-slots {
			ds = append(ds, s.d)
		}
	}
	slices.Sort(ds)
	return ds
}

// check compares e's estimates with the exact quantiles of what m
// remembers, at the clock's time: same bucket, within 1/16 (or half a
// bucket of the linear part), and monotone in q.
func check(t *testing.T, e *Estimator, m *model, c *fakeClock, qs []float64) {
	t.Helper()
	m.at(c.t)
	ds := m.remembered()
	qs = slices.Clone(qs)
	slices.Sort(qs)
	prev := time.Duration(-1)
	for _, q := range qs {
		got, ok := e.Estimate(q)
		if int64(len(ds)) < e.min || len(ds) == 0 {
			if ok {
				t.Fatalf("Estimate(%v) = %v, true with %d latencies remembered; want none below %d", q, got, len(ds), e.min)
			}
			continue
		}
		if !ok {
			t.Fatalf("Estimate(%v) = %v, false with %d latencies remembered; want one", q, got, len(ds))
		}
		rank := max(int(math.Ceil(q*float64(len(ds)))), 1)
		exact := ds[rank-1]
		if want := middle(bucket(exact)); got != want {
			t.Fatalf("Estimate(%v) = %v over %d latencies; exact %v, whose bucket's middle is %v", q, got, len(ds), exact, want)
		}
		if exact < maxLatency {
			exact = max(exact, 0)
			if diff := math.Abs(float64(got - exact)); diff > float64(exact)/16 && diff > float64(1<<unitShift)/2 {
				t.Fatalf("Estimate(%v) = %v; exact %v: off by more than 1/16", q, got, exact)
			}
		}
		if got < prev {
			t.Fatalf("Estimate(%v) = %v, below the estimate of a smaller quantile, %v", q, got, prev)
		}
		prev = got
	}
}

// newModelled returns an Estimator on clock c and its model.
func newModelled(t testing.TB, c *fakeClock, window time.Duration, minSamples int) (*Estimator, *model) {
	e, err := New(Config{Window: window, MinSamples: minSamples, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return e, &model{slotLen: window / slots, start: c.t}
}

func (m *model) observe(e *Estimator, c *fakeClock, d time.Duration) {
	e.Observe(d)
	m.at(c.t)
	m.samples = append(m.samples, sample{m.epoch, d})
}

// TestQuantileIsAtMostAThirtySecondLate checks that Quantile gives
// Estimate's value, made again once more than 1/32 of the latencies
// remembered came after it or the window moved on.
func TestQuantileIsAtMostAThirtySecondLate(t *testing.T) {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	e, err := New(Config{Quantile: 0.99, Window: time.Second, MinSamples: 1, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	fast, slow := middle(bucket(10*time.Millisecond)), middle(bucket(time.Second))
	want := func(step string, d time.Duration) {
		t.Helper()
		if got, ok := e.Quantile(); !ok || got != d {
			t.Fatalf("%s: Quantile() = %v, %v; want %v", step, got, ok, d)
		}
	}
	for range 64 {
		e.Observe(10 * time.Millisecond)
	}
	want("64 fast", fast)
	e.Observe(time.Second)
	e.Observe(time.Second)
	if d, _ := e.Estimate(0.99); d != slow {
		t.Fatalf("Estimate(0.99) = %v after 64 fast and 2 slow; want %v", d, slow)
	}
	want("64 fast, 2 slow: a 32nd more than the estimate was made from", fast)
	e.Observe(time.Second)
	want("64 fast, 3 slow", slow)

	before := e.lastEpoch.Load()
	c.t = c.t.Add(time.Second / slots)
	want("the window moved on", slow)
	if after := e.lastEpoch.Load(); after != before+1 {
		t.Errorf("the estimate was made at slot %d, after slot %d; want it made again at %d", after, before, before+1)
	}
}

var someQuantiles = []float64{0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1}

// TestEstimateMatchesExactQuantiles checks the estimates against an exact
// sort of the latencies, on random data of several shapes, with the clock
// moving on as it goes.
func TestEstimateMatchesExactQuantiles(t *testing.T) {
	shapes := map[string]func(r *rand.Rand) time.Duration{
		"uniform 0-100ms": func(r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(100 * time.Millisecond))) },
		"lognormal around 10ms": func(r *rand.Rand) time.Duration {
			return time.Duration(float64(10*time.Millisecond) * math.Exp(r.NormFloat64()))
		},
		"2% slow 10-50x": func(r *rand.Rand) time.Duration {
			d := 5*time.Millisecond + time.Duration(r.Int64N(int64(10*time.Millisecond)))
			if r.Float64() < 0.02 {
				d = time.Duration(float64(10*time.Millisecond) * (10 + 40*r.Float64()))
			}
			return d
		},
		"microseconds": func(r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(20 * time.Microsecond))) },
		"every scale": func(r *rand.Rand) time.Duration {
			return time.Duration(r.Int64N(math.MaxInt64) >> r.IntN(64))
		},
	}
	for name, draw := range shapes {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(20) {
				r := rand.New(rand.NewPCG(seed, 1))
				c := &fakeClock{t: time.Unix(1e9, 0)}
				e, m := newModelled(t, c, time.Second, 1+r.IntN(30))
				for range 1 + r.IntN(3000) {
					m.observe(e, c, draw(r))
					if r.IntN(100) == 0 {
						c.t = c.t.Add(time.Duration(r.Int64N(int64(400 * time.Millisecond))))
					}
					if r.IntN(200) == 0 {
						check(t, e, m, c, someQuantiles)
					}
				}
				check(t, e, m, c, append(someQuantiles, r.Float64()))
			}
		})
	}
}

// FuzzEstimate observes latencies and moves the clock as data says, and
// checks every estimate against the exact quantile over what should be
// remembered: never a panic, the bucket of the exact quantile, monotone in
// q. data is read 8 bytes at a time: a first byte of 0xff moves the clock
// on by the next 4 bytes in microseconds (up to 71 minutes), or back by
// them if the byte after that is odd; anything else is a latency, of the 8
// bytes read as a signed number of nanoseconds, shifted right by the first
// byte modulo 64.
func FuzzEstimate(f *testing.F) {
	le := binary.LittleEndian
	seed := func(ds ...int64) []byte {
		var b []byte
		for _, d := range ds {
			b = le.AppendUint64(b, uint64(d))
		}
		return b
	}
	f.Add(seed(int64(10*time.Millisecond)<<8, int64(20*time.Millisecond)<<8), 0.95, 1)
	f.Add(seed(-1, math.MinInt64, math.MaxInt64, 0), 0.5, 1)
	f.Add(seed(int64(maxLatency)<<8, int64(maxLatency-1)<<8, 1<<18), 1.0, 2)
	f.Add(append(seed(int64(time.Millisecond)<<8), 0xff, 0x10, 0x27, 0, 0, 0, 0, 0), 0.0, 1)      // +10ms
	f.Add(append(seed(int64(time.Millisecond)<<8), 0xff, 0x80, 0x96, 0x98, 0, 0, 0, 0), 0.99, 1)  // +10s
	f.Add(append(seed(int64(time.Millisecond)<<8), 0xff, 0x80, 0x96, 0x98, 0, 1, 0, 0), 0.999, 1) // -10s
	f.Fuzz(func(t *testing.T, data []byte, q float64, minSamples int) {
		minSamples = 1 + min(max(minSamples, 0), 100)
		c := &fakeClock{t: time.Unix(1e9, 0)}
		e, m := newModelled(t, c, time.Second, minSamples)
		for len(data) >= 8 {
			chunk := data[:8]
			data = data[8:]
			if chunk[0] == 0xff {
				step := time.Duration(le.Uint32(chunk[1:5])) * time.Microsecond
				if chunk[5]%2 == 1 {
					step = -step
				}
				c.t = c.t.Add(step)
				continue
			}
			m.observe(e, c, time.Duration(int64(le.Uint64(chunk))>>(chunk[0]%64)))
		}
		qs := someQuantiles
		if q >= 0 && q <= 1 {
			qs = append(qs, q)
		} else if d, ok := e.Estimate(q); ok {
			t.Fatalf("Estimate(%v) = %v, true; want none for a q outside [0, 1]", q, d)
		}
		check(t, e, m, c, qs)
		d, ok := e.Quantile()
		if _, want := e.Estimate(e.q); ok != want || d < 0 || d >= maxLatency {
			t.Fatalf("Quantile() = %v, %v; want within [0, %v), %v as Estimate", d, ok, maxLatency, want)
		}
	})
}

// TestForgetsOverTime checks, on synctest's fake clock, that a latency is
// remembered for at least 3/4 of the window and at most the window, and that
// the estimate follows a change of the latencies within a window.
func TestForgetsOverTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const window = 8 * time.Second
		e, err := New(Config{Window: window})
		if err != nil {
			t.Fatal(err)
		}
		fast, slow := 10*time.Millisecond, 200*time.Millisecond
		inBucketOf := func(d, want time.Duration) bool { return bucket(d) == bucket(want) }

		time.Sleep(window/slots - time.Nanosecond) // the end of the first slot
		for range 100 {
			e.Observe(fast)
		}
		time.Sleep(window * 3 / 4)
		if d, ok := e.Quantile(); !ok || !inBucketOf(d, fast) {
			t.Fatalf("3/4 of the window after 100 latencies of %v, Quantile() = %v, %v; want about %v", fast, d, ok, fast)
		}
		time.Sleep(time.Nanosecond) // a whole window since the first slot began
		if d, ok := e.Quantile(); ok {
			t.Fatalf("a window after the first slot, Quantile() = %v, true; want the latencies forgotten", d)
		}

		// Slow latencies join the fast ones, 100 of each per second: the
		// estimate follows at once, but not before more than a twentieth
		// of them is slow.
		rose := false
		for i := range 200 {
			e.Observe(fast)
			if i >= 20 {
				e.Observe(slow)
			}
			if d, ok := e.Quantile(); ok && inBucketOf(d, slow) && !rose {
				rose = true
				if slowOnes, n := i-19, 2*i-18; slowOnes*20 < n {
					t.Fatalf("the estimate rose to %v after %d slow latencies out of %d: less than a twentieth", d, slowOnes, n)
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !rose {
			t.Errorf("the estimate never rose to %v", slow)
		}

		// Idle for a whole window: nothing left.
		time.Sleep(window)
		if d, ok := e.Quantile(); ok {
			t.Errorf("after a window without latencies, Quantile() = %v, true; want none", d)
		}
		if n := e.total.Load(); n != 0 {
			t.Errorf("after a window without latencies, %d remembered; want 0", n)
		}
	})
}

// TestConcurrentUse observes from many goroutines while others read
// estimates and the fake clock moves the window on, for the race detector,
// and checks that the counts add up once the goroutines are done.
func TestConcurrentUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := New(Config{Window: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 500 {
					e.Observe(time.Duration(g*1000+i) * time.Microsecond)
					if i%50 == 0 {
						time.Sleep(100 * time.Millisecond)
					}
				}
			})
			wg.Go(func() {
				for i := range 200 {
					if d, ok := e.Quantile(); ok && (d < 0 || d >= maxLatency) {
						t.Errorf("Quantile() = %v; want within [0, %v)", d, maxLatency)
					}
					if i%20 == 0 {
						time.Sleep(100 * time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		var sum int64
		for i := range e.live {
			sum += e.live[i].Load()
		}
		var slotted int64
		for s := range e.slots {
			for i := range e.slots[s] {
				slotted += int64(e.slots[s][i].Load())
			}
		}
		if n := e.total.Load(); n != sum || n != slotted || n <= 0 || n > 8*500 {
			t.Errorf("remembered %d in total, %d over the buckets, %d over the slots; want equal, within (0, %d]", n, sum, slotted, 8*500)
		}
	})
}

func TestObserveAndQuantileDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	e, err := New(Config{Window: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Millisecond
	if n := testing.AllocsPerRun(1000, func() { e.Observe(d); d += 997 * time.Microsecond }); n != 0 {
		t.Errorf("Observe allocates %v times; want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { e.Quantile() }); n != 0 {
		t.Errorf("Quantile allocates %v times; want 0", n)
	}
}

// TestMemoryIsFixed pins the size of an Estimator, whatever the traffic:
// the "few kilobytes" of its doc.
func TestMemoryIsFixed(t *testing.T) {
	const most = 5 << 10
	if size := unsafe.Sizeof(Estimator{}); size > most {
		t.Errorf("an Estimator takes %d bytes; want at most %d", size, most)
	}
}

func BenchmarkObserve(b *testing.B) {
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		d := time.Millisecond
		for pb.Next() {
			e.Observe(d)
			d = (d + 7919*time.Microsecond) % (200 * time.Millisecond)
		}
	})
}

func BenchmarkQuantile(b *testing.B) {
	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 10000 {
		e.Observe(time.Duration(float64(10*time.Millisecond) * math.Exp(r.NormFloat64())))
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Quantile()
	}
}
