package backoff_test

import (
	"fmt"
	"math"
	"time"

	"github.com/reflexio-go/reflexio/backoff"
	"github.com/reflexio-go/reflexio/classify"
)

// The tables set Input.Random, which the retry loop draws from [0, 1), to
// its lowest value, 0, and to its highest, the largest float64 below 1, to
// show the shortest and the longest delay a strategy can pick.

// Exponential doubles its delay after every attempt, up to the cap, and has
// no jitter.
func ExampleExponential() {
	s := backoff.Exponential(100*time.Millisecond, 10*time.Second)
	fmt.Println("attempt  delay")
	for n := 1; n <= 8; n++ {
		fmt.Printf("%7d  %v\n", n, s.Delay(backoff.Input{Attempt: n}))
	}
	// Output:
	// attempt  delay
	//       1  100ms
	//       2  200ms
	//       3  400ms
	//       4  800ms
	//       5  1.6s
	//       6  3.2s
	//       7  6.4s
	//       8  10s
}

// FullJitter picks a delay between 0 and the exponential delay.
func ExampleFullJitter() {
	s := backoff.FullJitter(100*time.Millisecond, 10*time.Second)
	highest := math.Nextafter(1, 0)
	fmt.Println("attempt  shortest  longest")
	for n := 1; n <= 8; n++ {
		lo := s.Delay(backoff.Input{Attempt: n, Random: 0})
		hi := s.Delay(backoff.Input{Attempt: n, Random: highest})
		fmt.Printf("%7d  %8v  %v\n", n, lo, hi)
	}
	// Output:
	// attempt  shortest  longest
	//       1        0s  100ms
	//       2        0s  200ms
	//       3        0s  400ms
	//       4        0s  800ms
	//       5        0s  1.6s
	//       6        0s  3.2s
	//       7        0s  6.4s
	//       8        0s  10s
}

// EqualJitter picks a delay in the upper half of the exponential delay.
func ExampleEqualJitter() {
	s := backoff.EqualJitter(100*time.Millisecond, 10*time.Second)
	highest := math.Nextafter(1, 0)
	fmt.Println("attempt  shortest  longest")
	for n := 1; n <= 8; n++ {
		lo := s.Delay(backoff.Input{Attempt: n, Random: 0})
		hi := s.Delay(backoff.Input{Attempt: n, Random: highest})
		fmt.Printf("%7d  %8v  %v\n", n, lo, hi)
	}
	// Output:
	// attempt  shortest  longest
	//       1      50ms  100ms
	//       2     100ms  200ms
	//       3     200ms  400ms
	//       4     400ms  800ms
	//       5     800ms  1.6s
	//       6      1.6s  3.2s
	//       7      3.2s  6.4s
	//       8        5s  10s
}

// EqualJitterGrowth with growth 1.5 grows more slowly than EqualJitter.
func ExampleEqualJitterGrowth() {
	s := backoff.EqualJitterGrowth(100*time.Millisecond, 2*time.Second, 1.5)
	highest := math.Nextafter(1, 0)
	fmt.Println("attempt      shortest  longest")
	for n := 1; n <= 8; n++ {
		lo := s.Delay(backoff.Input{Attempt: n, Random: 0})
		hi := s.Delay(backoff.Input{Attempt: n, Random: highest})
		fmt.Printf("%7d  %12v  %v\n", n, lo, hi)
	}
	// Output:
	// attempt      shortest  longest
	//       1          50ms  100ms
	//       2          75ms  150ms
	//       3       112.5ms  225ms
	//       4      168.75ms  337.5ms
	//       5     253.125ms  506.25ms
	//       6    379.6875ms  759.375ms
	//       7   569.53125ms  1.1390625s
	//       8  854.296875ms  1.70859375s
}

// DecorrelatedJitter grows from the previous delay, not from the attempt
// number. Here every delay is the longest it can be, and each row shows the
// range that the next delay is drawn from.
func ExampleDecorrelatedJitter() {
	s := backoff.DecorrelatedJitter(100*time.Millisecond, 10*time.Second)
	highest := math.Nextafter(1, 0)
	fmt.Println("attempt  prev   shortest  longest")
	var prev time.Duration
	for n := 1; n <= 8; n++ {
		lo := s.Delay(backoff.Input{Attempt: n, Prev: prev, Random: 0})
		hi := s.Delay(backoff.Input{Attempt: n, Prev: prev, Random: highest})
		fmt.Printf("%7d  %-5v  %8v  %v\n", n, prev, lo, hi)
		prev = hi
	}
	// Output:
	// attempt  prev   shortest  longest
	//       1  0s        100ms  300ms
	//       2  300ms     100ms  900ms
	//       3  900ms     100ms  2.7s
	//       4  2.7s      100ms  8.1s
	//       5  8.1s      100ms  10s
	//       6  10s       100ms  10s
	//       7  10s       100ms  10s
	//       8  10s       100ms  10s
}

// Constant waits the same after every attempt, whatever the draw.
func ExampleConstant() {
	s := backoff.Constant(time.Second)
	fmt.Println(s.Delay(backoff.Input{Attempt: 1}), s.Delay(backoff.Input{Attempt: 100, Random: 0.7}))
	// Output:
	// 1s 1s
}

// Cap lowers the cap of a strategy, here of one that would otherwise wait
// up to a minute.
func ExampleCap() {
	s := backoff.Cap(2*time.Second, backoff.Exponential(500*time.Millisecond, time.Minute))
	fmt.Println(s)
	for n := 1; n <= 5; n++ {
		fmt.Println(n, s.Delay(backoff.Input{Attempt: n}))
	}
	// Output:
	// backoff.Cap(2s, backoff.Exponential(500ms, 1m0s))
	// 1 500ms
	// 2 1s
	// 3 2s
	// 4 2s
	// 5 2s
}

// Floor keeps FullJitter from retrying at once when its draw is low.
func ExampleFloor() {
	s := backoff.Floor(50*time.Millisecond, backoff.FullJitter(100*time.Millisecond, 10*time.Second))
	for _, r := range []float64{0, 0.25, 0.5, 0.75} {
		fmt.Printf("Random %v: %v\n", r, s.Delay(backoff.Input{Attempt: 2, Random: r}))
	}
	// Output:
	// Random 0: 50ms
	// Random 0.25: 50ms
	// Random 0.5: 100ms
	// Random 0.75: 150ms
}

// Jitter spreads an unjittered strategy over the last part of each delay:
// here, Exponential's delays over their last fifth.
func ExampleJitter() {
	s := backoff.Jitter(0.2, backoff.Exponential(100*time.Millisecond, 10*time.Second))
	highest := math.Nextafter(1, 0)
	fmt.Println("attempt  shortest  longest")
	for n := 1; n <= 8; n++ {
		lo := s.Delay(backoff.Input{Attempt: n, Random: 0})
		hi := s.Delay(backoff.Input{Attempt: n, Random: highest})
		fmt.Printf("%7d  %8v  %v\n", n, lo, hi)
	}
	// Output:
	// attempt  shortest  longest
	//       1      80ms  100ms
	//       2     160ms  200ms
	//       3     320ms  400ms
	//       4     640ms  800ms
	//       5     1.28s  1.6s
	//       6     2.56s  3.2s
	//       7     5.12s  6.4s
	//       8        8s  10s
}

// Func expresses a rule of your own. This one backs off longer when the
// server asks the client to slow down, and wraps the rule in Cap to bound
// it.
func ExampleFunc() {
	conflicts := backoff.FullJitter(10*time.Millisecond, time.Second)
	others := backoff.EqualJitter(100*time.Millisecond, 10*time.Second)
	s := backoff.Cap(30*time.Second, backoff.Func(func(in backoff.Input) time.Duration {
		switch in.Class {
		case classify.RateLimit:
			return time.Duration(in.Attempt) * 5 * time.Second
		case classify.Concurrency:
			return conflicts.Delay(in)
		}
		return others.Delay(in)
	}))
	for _, c := range []classify.Class{classify.RateLimit, classify.Concurrency, classify.Transient} {
		for _, n := range []int{1, 3, 10} {
			in := backoff.Input{Attempt: n, Class: c, Random: 0.5}
			fmt.Printf("%v after attempt %d: %v\n", c, n, s.Delay(in))
		}
	}
	// Output:
	// RateLimit after attempt 1: 5s
	// RateLimit after attempt 3: 15s
	// RateLimit after attempt 10: 30s
	// Concurrency after attempt 1: 5ms
	// Concurrency after attempt 3: 20ms
	// Concurrency after attempt 10: 500ms
	// Transient after attempt 1: 75ms
	// Transient after attempt 3: 300ms
	// Transient after attempt 10: 7.5s
}

// Validate names the strategy at fault, even inside decorators, and the
// parameter.
func ExampleValidate() {
	s := backoff.Cap(time.Minute, backoff.Jitter(0.5, backoff.EqualJitter(time.Second, 100*time.Millisecond)))
	fmt.Println(backoff.Validate(s))
	fmt.Println(backoff.Validate(backoff.Jitter(1.5, backoff.Constant(time.Second))))
	fmt.Println(backoff.Validate(backoff.DecorrelatedJitter(250*time.Millisecond, 30*time.Second)))
	// Output:
	// backoff.EqualJitter(1s, 100ms): cap 100ms must not be less than base 1s
	// backoff.Jitter(1.5, backoff.Constant(1s)): fraction 1.5 must be within [0, 1]
	// <nil>
}
