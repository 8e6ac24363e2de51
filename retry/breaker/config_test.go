package breaker

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
)

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{FailureRatio: 1.5}, "breaker: invalid config: FailureRatio 1.5 must be within (0, 1]"},
		{Config{FailureRatio: -0.1}, "breaker: invalid config: FailureRatio -0.1 must be within (0, 1]"},
		{Config{FailureRatio: math.NaN()}, "breaker: invalid config: FailureRatio NaN must be within (0, 1]"},
		{Config{Window: -time.Second}, "breaker: invalid config: Window -1s must be at least 1ms"},
		{Config{Window: time.Microsecond}, "breaker: invalid config: Window 1µs must be at least 1ms"},
		{Config{MinCalls: -1}, "breaker: invalid config: MinCalls -1 must not be negative"},
		{Config{ConsecutiveFailures: -2}, "breaker: invalid config: ConsecutiveFailures -2 must be at least 1, 0 for the default or -1 for none"},
		{Config{BreakDuration: -1}, "breaker: invalid config: BreakDuration -1ns must not be negative"},
		{Config{MaxBreakDuration: -1}, "breaker: invalid config: MaxBreakDuration -1ns must not be negative"},
		{Config{BreakDuration: 2 * time.Second, MaxBreakDuration: time.Second}, "breaker: invalid config: MaxBreakDuration 1s must be at least BreakDuration (2s)"},
		{Config{HalfOpenProbes: -1}, "breaker: invalid config: HalfOpenProbes -1 must be within [1, 1000], or 0 for the default"},
		{Config{HalfOpenProbes: 1001}, "breaker: invalid config: HalfOpenProbes 1001 must be within [1, 1000], or 0 for the default"},
		{Config{SuccessesToClose: -1}, "breaker: invalid config: SuccessesToClose -1 must not be negative"},
		{Config{MaxRetryAfter: -1}, "breaker: invalid config: MaxRetryAfter -1ns must not be negative"},
		{Config{Classes: []classify.Class{classify.ServerError, classify.Permanent}}, "breaker: invalid config: Classes Permanent says nothing of the downstream's health"},
		{Config{Classes: []classify.Class{9}}, "breaker: invalid config: Classes Class(9) is not a class"},
		{Config{Subscribers: []observe.Subscriber{nil}}, "breaker: invalid config: Subscribers[0]: observe: subscriber is nil"},
		{Config{Subscribers: []observe.Subscriber{(*observe.Recorder)(nil)}}, "breaker: invalid config: Subscribers[0]: observe: subscriber is a nil *observe.Recorder"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			b := New(tt.cfg)
			err := b.Err()
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New(%+v).Err() = %v; want %q matching ErrInvalidConfig", tt.cfg, err, tt.want)
			}
			if _, aerr := b.Allow(); aerr != err {
				t.Errorf("Allow() = %v; want %v", aerr, err)
			}
			if got := b.State(); got != observe.BreakerClosed {
				t.Errorf("State() = %v; want closed", got)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	b := New(Config{})
	want := settings{
		ratio: 0.8, width: int64(time.Second), minCalls: 20, consecutive: 20,
		base: int64(5 * time.Second), max: int64(10 * time.Second), probes: 1, toClose: 1,
		classes: 1<<classify.ServerError | 1<<classify.Transient | 1<<classify.Unknown | 1<<classify.RateLimit,
		maxHint: int64(time.Minute),
	}
	if b.Err() != nil || b.s.ratio != want.ratio || b.s.width != want.width || b.s.minCalls != want.minCalls ||
		b.s.consecutive != want.consecutive || b.s.base != want.base || b.s.max != want.max || b.s.probes != want.probes ||
		b.s.toClose != want.toClose || b.s.classes != want.classes || b.s.maxHint != want.maxHint {
		t.Errorf("New(Config{}) settings = %+v, %v; want %+v", b.s, b.Err(), want)
	}
	if got := New(Config{HalfOpenProbes: 3}).s.toClose; got != 3 {
		t.Errorf("SuccessesToClose by default = %d; want HalfOpenProbes, 3", got)
	}
	if got := New(Config{BreakDuration: 2 * time.Minute}).s.max; got != int64(2*time.Minute) {
		t.Errorf("MaxBreakDuration by default with a 2m BreakDuration = %v; want 2m", time.Duration(got))
	}
}

func TestBreakersThatCannotWork(t *testing.T) {
	var nilB *Breaker
	good := New(Config{})
	cp := new(Breaker)
	cp.self = good // as a copy of good would have it
	tests := []struct {
		name string
		b    *Breaker
		want string
		str  string
	}{
		{"nil", nilB, "breaker: invalid config: the Breaker is nil", "<nil>"},
		{"zero", new(Breaker), "breaker: invalid config: the zero Breaker has no config; make one with New", `Breaker("": closed)`},
		{"copy", cp, "breaker: invalid config: a copy of a Breaker shares nothing with it; use the *Breaker that New returned", `Breaker("": closed)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.b.Allow()
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrInvalidConfig) || tt.b.Err() != err {
				t.Errorf("Allow() = %v; want %q matching ErrInvalidConfig, as Err", err, tt.want)
			}
			if got := tt.b.State(); got != observe.BreakerClosed {
				t.Errorf("State() = %v; want closed", got)
			}
			if got := tt.b.String(); got != tt.str {
				t.Errorf("String() = %q; want %q", got, tt.str)
			}
		})
	}
	if got := New(Config{Name: "users"}).String(); got != `Breaker("users": closed)` {
		t.Errorf("String() = %q", got)
	}
}

// FuzzConfig: no Config makes New, or the Breaker it returns, panic, and
// every invalid one is reported.
func FuzzConfig(f *testing.F) {
	f.Add(0.5, int64(0), 0, 0, int64(0), int64(0), 0, 0, []byte{}, int64(0), int64(0))
	f.Add(1.0, int64(time.Millisecond), 1, 1, int64(1), int64(1), 1, 1, []byte{3}, int64(1), int64(math.MaxInt64))
	f.Add(1e-300, int64(math.MaxInt64), math.MaxInt, -1, int64(math.MaxInt64), int64(math.MaxInt64), 1000, math.MaxInt, []byte{0, 2, 3, 4, 5}, int64(math.MaxInt64), int64(math.MaxInt64/2))
	f.Add(math.Inf(1), int64(-1), -1, -2, int64(-1), int64(-1), -1, -1, []byte{1, 255}, int64(-1), int64(-1))
	f.Fuzz(func(t *testing.T, ratio float64, window int64, minCalls, consecutive int, base, maxBreak int64, probes, toClose int, classes []byte, maxHint, hint int64) {
		cfg := Config{
			FailureRatio: ratio, Window: time.Duration(window), MinCalls: minCalls, ConsecutiveFailures: consecutive,
			BreakDuration: time.Duration(base), MaxBreakDuration: time.Duration(maxBreak),
			HalfOpenProbes: probes, SuccessesToClose: toClose, MaxRetryAfter: time.Duration(maxHint),
		}
		for _, c := range classes {
			cfg.Classes = append(cfg.Classes, classify.Class(c))
		}
		b := New(cfg)
		if err := b.Err(); err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Err() = %v; want it to match ErrInvalidConfig", err)
			}
			return
		}
		for i := range 50 {
			p, err := b.Allow()
			if err != nil {
				oe, ok := errors.AsType[*OpenError](err)
				if !ok || oe.Wait <= 0 {
					t.Fatalf("Allow() = %v; want an *OpenError with a wait", err)
				}
				b.until.Store(0) // end the break at once
				continue
			}
			switch i % 4 {
			case 0:
				p.Success()
			case 1:
				p.Failure(classify.Class(i%7), time.Duration(hint))
			case 2:
				p.Cancel()
			default:
				p.Failure(classify.ServerError, 0)
			}
		}
	})
}

// TestCopyOfAClosedBreakerRefuses: a copy of a Breaker that New made, and
// that is closed, refuses every attempt as Err says, and the original
// counts nothing of the copy's calls.
func TestCopyOfAClosedBreakerRefuses(t *testing.T) {
	good := New(Config{})
	cp := new(Breaker)
	reflect.ValueOf(cp).Elem().Set(reflect.ValueOf(good).Elem()) // *cp = *good, which vet refuses
	if err := cp.Err(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("copy: Err() = %v; want an error matching ErrInvalidConfig", err)
	}
	if p, err := cp.Allow(); !errors.Is(err, ErrInvalidConfig) {
		p.Success()
		t.Errorf("copy: Allow() = %v; want Err's error", err)
	}
	if p, ok := cp.AllowClosed(); ok {
		p.Success()
		t.Errorf("copy: AllowClosed() = true; want false")
	}
	if got := good.successes(); got != 0 {
		t.Errorf("successes of the original = %d; want 0", got)
	}
}
