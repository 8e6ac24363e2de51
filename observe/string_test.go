package observe_test

import (
	"testing"

	"github.com/reflexio-go/reflexio/observe"
)

func TestSubscribersPrintThemselves(t *testing.T) {
	tests := []struct {
		sub  observe.Subscriber
		want string
	}{
		{observe.Func(func(observe.Retry) {}), "observe.Func[observe.Retry]"},
		{observe.Func(func(observe.Event) {}), "observe.Func[observe.Event]"},
		{observe.Slog(nil), "observe.Slog(…)"},
		{
			observe.Multi(observe.Slog(nil), &observe.Recorder{}, observe.Func(func(observe.Success) {})),
			"observe.Multi(observe.Slog(…), *observe.Recorder, observe.Func[observe.Success])",
		},
		{observe.Multi(), "observe.Multi()"},
	}
	for _, tt := range tests {
		s, ok := tt.sub.(interface{ String() string })
		if !ok {
			t.Errorf("%T has no String method", tt.sub)
			continue
		}
		if got := s.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}
