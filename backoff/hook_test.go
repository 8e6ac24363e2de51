package backoff_test

import (
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/backoffhook"
)

// The retry loop draws no random number for a strategy that the hook says
// ignores Input.Random: it then sees a Random of 0. These tests pin which
// strategies the hook names, and that each of them gives the same delay
// for every Random.

// userStrategy is a strategy of another package's kind, whose reading of
// Random the hook cannot know.
type userStrategy struct{}

func (userStrategy) Delay(in backoff.Input) time.Duration { return time.Duration(in.Random * 1e9) }

func TestIgnoresRandom(t *testing.T) {
	user := backoff.Func(func(backoff.Input) time.Duration { return time.Second })
	tests := []struct {
		s    backoff.Strategy
		want bool
	}{
		{backoff.Constant(0), true},
		{backoff.Constant(time.Second), true},
		{backoff.Exponential(time.Millisecond, time.Second), true},
		{backoff.Cap(time.Second, backoff.Constant(2*time.Second)), true},
		{backoff.Floor(time.Second, backoff.Exponential(time.Millisecond, time.Second)), true},
		{backoff.Cap(time.Minute, backoff.Floor(time.Second, backoff.Constant(0))), true},

		{backoff.FullJitter(time.Millisecond, time.Second), false},
		{backoff.EqualJitter(time.Millisecond, time.Second), false},
		{backoff.EqualJitterGrowth(time.Millisecond, time.Second, 1.5), false},
		{backoff.DecorrelatedJitter(time.Millisecond, time.Second), false},
		{backoff.Jitter(1, backoff.Constant(time.Second)), false},
		{backoff.Jitter(0.5, backoff.Exponential(time.Millisecond, time.Second)), false},
		{backoff.Cap(time.Second, backoff.FullJitter(time.Millisecond, time.Second)), false},
		{backoff.Floor(time.Second, backoff.Jitter(1, backoff.Constant(time.Second))), false},
		{user, false}, // a Func may read Random, however simple it looks
		{backoff.Cap(time.Second, user), false},
		{userStrategy{}, false},
		{backoff.Floor(0, userStrategy{}), false},
		{backoff.Cap(time.Second, nil), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := backoffhook.IgnoresRandom(tt.s); got != tt.want {
			t.Errorf("IgnoresRandom(%v) = %v; want %v", tt.s, got, tt.want)
		}
	}
	if got := backoffhook.IgnoresRandom(42); got {
		t.Errorf("IgnoresRandom(42) = true; want false")
	}
}

// FuzzIgnoresRandomMeansTheSameDelay checks every strategy the hook names
// on any input: the delay with a Random of 0, which the loop passes when it
// skips the draw, is the delay with any other Random.
func FuzzIgnoresRandomMeansTheSameDelay(f *testing.F) {
	f.Add(int64(time.Second), int64(time.Minute), int64(time.Millisecond), 3, int64(0), uint8(0), 0.5)
	f.Add(int64(0), int64(0), int64(0), 0, int64(-1), uint8(5), 0.999)
	f.Add(int64(1<<62), int64(1<<63-1), int64(-1), 1000, int64(1<<62), uint8(2), 1.5)
	f.Fuzz(func(t *testing.T, a, b, c int64, attempt int, prev int64, class uint8, random float64) {
		x, y, z := time.Duration(a), time.Duration(b), time.Duration(c)
		for _, s := range []backoff.Strategy{
			backoff.Constant(x),
			backoff.Exponential(x, y),
			backoff.Cap(z, backoff.Exponential(x, y)),
			backoff.Floor(z, backoff.Constant(x)),
			backoff.Cap(y, backoff.Floor(z, backoff.Exponential(x, y))),
		} {
			if !backoffhook.IgnoresRandom(s) {
				t.Fatalf("IgnoresRandom(%v) = false; want true", s)
			}
			in := backoff.Input{Attempt: attempt, Class: classify.Class(int(class) % classify.NumClasses), Prev: time.Duration(prev), Random: random}
			drawn := s.Delay(in)
			in.Random = 0
			if skipped := s.Delay(in); skipped != drawn {
				t.Fatalf("%v.Delay(%+v) = %v, and %v with Random %v; want the same", s, in, skipped, drawn, random)
			}
		}
	})
}
