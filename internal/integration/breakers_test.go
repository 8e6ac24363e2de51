package integration

import (
	"errors"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/observe"
	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

func TestBreakerNoneByDefault(t *testing.T) {
	calls := 0
	key := func(string) string { calls++; return "" }
	var b Breakers
	if got := Breaker(&b, "a", key); got != nil {
		t.Errorf("Breaker of the zero Breakers = %v; want nil", got)
	}
	if calls != 0 {
		t.Errorf("key called %d times; want 0", calls)
	}
}

func TestBreakerPerKey(t *testing.T) {
	var b Breakers
	if err := b.Set(breaker.Config{}); err != nil {
		t.Fatalf("Set(defaults) = %v", err)
	}
	a1 := Breaker(&b, "a", id)
	if a2 := Breaker(&b, "a", id); a1 != a2 {
		t.Errorf("Breaker(a) twice = %v, %v; want the same Breaker", a1, a2)
	}
	if c := Breaker(&b, "c", id); c == a1 {
		t.Errorf("Breaker(c) = Breaker(a); want a Breaker of its own")
	}
	if got, want := a1.String(), `Breaker("a": closed)`; got != want {
		t.Errorf("Breaker(a) = %v; want %v", got, want)
	}
}

func TestSetInvalidConfig(t *testing.T) {
	var b Breakers
	err := b.Set(breaker.Config{FailureRatio: 2})
	if !errors.Is(err, breaker.ErrInvalidConfig) {
		t.Errorf("Set(FailureRatio: 2) = %v; want breaker.ErrInvalidConfig", err)
	}
	if got := Breaker(&b, "a", id); got != nil {
		t.Errorf("Breaker after an invalid Set = %v; want nil", got)
	}
}

func TestFailWith(t *testing.T) {
	cause := new(Breakers).Set(breaker.Config{MinCalls: -1})
	var err error
	FailWith(&err, "retryhttp", retry.NoBudget(), cause)
	FailWith(&err, "retryhttp", retry.MaxAttempts(0), errors.New("later"))
	if got, want := err.Error(), "retryhttp: NoBudget(): "+cause.Error(); got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(err, retry.ErrInvalidOption) || !errors.Is(err, breaker.ErrInvalidConfig) {
		t.Errorf("%v does not match retry.ErrInvalidOption and breaker.ErrInvalidConfig", err)
	}
}

func TestConfigString(t *testing.T) {
	tests := []struct {
		cfg  breaker.Config
		want string
	}{
		{breaker.Config{}, "{}"},
		{breaker.Config{Name: "users", MinCalls: 5, BreakDuration: time.Second}, `{Name:"users" MinCalls:5 BreakDuration:1s}`},
		{breaker.Config{
			Classes:     []classify.Class{classify.ServerError},
			Subscribers: []observe.Subscriber{&observe.Recorder{}, &observe.Recorder{}},
		}, "{Classes:[ServerError] Subscribers:2}"},
	}
	for _, tt := range tests {
		if got := ConfigString(tt.cfg); got != tt.want {
			t.Errorf("ConfigString(%+v) = %q; want %q", tt.cfg, got, tt.want)
		}
	}
}
