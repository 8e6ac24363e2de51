package classify_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

// markers lists every way this package wraps an error, with the class that
// Default gives the result.
var markers = []struct {
	name string
	mark func(error) error
	want classify.Class
}{
	{"Mark", func(err error) error { return classify.Mark(err, classify.ServerError) }, classify.ServerError},
	{"MarkPermanent", classify.MarkPermanent, classify.Permanent},
	{"MarkConcurrency", classify.MarkConcurrency, classify.Concurrency},
	{"MarkServerError", classify.MarkServerError, classify.ServerError},
	{"MarkTransient", classify.MarkTransient, classify.Transient},
	{"MarkUnknown", classify.MarkUnknown, classify.Unknown},
	{"MarkRateLimit", func(err error) error { return classify.MarkRateLimit(err, time.Second) }, classify.RateLimit},
	{"MarkRateLimit without hint", func(err error) error { return classify.MarkRateLimit(err, 0) }, classify.RateLimit},
	// WithRetryAfter states no class: the wrapped error's own class shows.
	{"WithRetryAfter", func(err error) error { return classify.WithRetryAfter(err, time.Second) }, classify.Unknown},
}

func TestMarkersNilInNilOut(t *testing.T) {
	for _, m := range markers {
		if got := m.mark(nil); got != nil {
			t.Errorf("%s(nil) = %#v; want nil", m.name, got)
		}
	}
}

func TestMarkersClassify(t *testing.T) {
	d := classify.Default()
	for _, m := range markers {
		t.Run(m.name, func(t *testing.T) {
			err := m.mark(errors.New("boom"))
			if got := d.Classify(err); got != m.want {
				t.Errorf("Classify(%v) = %v; want %v", err, got, m.want)
			}
			wrapped := fmt.Errorf("op: %w", err)
			if got := d.Classify(wrapped); got != m.want {
				t.Errorf("Classify(%v) = %v; want %v", wrapped, got, m.want)
			}
			joined := errors.Join(errors.New("other"), err)
			if got := d.Classify(joined); got != m.want {
				t.Errorf("Classify(%v) = %v; want %v", joined, got, m.want)
			}
		})
	}
}

func TestMarkersAreTransparent(t *testing.T) {
	inner := &fs.PathError{Op: "open", Path: "config.json", Err: fs.ErrNotExist}
	for _, m := range markers {
		t.Run(m.name, func(t *testing.T) {
			err := m.mark(inner)
			if got, want := err.Error(), inner.Error(); got != want {
				t.Errorf("%s(err).Error() = %q; want %q", m.name, got, want)
			}
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("errors.Is(%s(err), fs.ErrNotExist) = false; want true", m.name)
			}
			if !errors.Is(err, inner) {
				t.Errorf("errors.Is(%s(err), err) = false; want true", m.name)
			}
			pe, ok := errors.AsType[*fs.PathError](err)
			if !ok || pe != inner {
				t.Errorf("errors.AsType[*fs.PathError](%s(err)) = %v, %v; want %v, true", m.name, pe, ok, inner)
			}
			if got := errors.Unwrap(err); got != inner {
				t.Errorf("errors.Unwrap(%s(err)) = %v; want %v", m.name, got, inner)
			}
			if got := classify.Strip(err); got != inner {
				t.Errorf("Strip(%s(err)) = %v; want %v", m.name, got, inner)
			}
		})
	}
}

func TestMarkOuterWins(t *testing.T) {
	d := classify.Default()
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"outer marker over inner", classify.MarkPermanent(classify.MarkTransient(io.EOF)), classify.Permanent},
		{"unknown marker over inner", classify.MarkUnknown(classify.MarkTransient(io.EOF)), classify.Unknown},
		{"marker over status code", classify.MarkTransient(&statusError{404}), classify.Transient},
		{"marker under status code", &hintError{err: classify.MarkConcurrency(&statusError{404})}, classify.Concurrency},
		{"unknown marker hides status code", classify.MarkUnknown(&statusError{503}), classify.Unknown},
		{"unknown marker hides stdlib knowledge", classify.MarkUnknown(io.ErrUnexpectedEOF), classify.Unknown},
		{"first marker in a join", errors.Join(classify.MarkConcurrency(io.EOF), classify.MarkPermanent(io.EOF)), classify.Concurrency},
		{"hint keeps the inner class", classify.WithRetryAfter(&statusError{503}, time.Second), classify.ServerError},
		{"hint keeps the inner marker", classify.WithRetryAfter(classify.MarkPermanent(io.EOF), time.Second), classify.Permanent},
		{"invented class reads as unknown", classify.Mark(&statusError{503}, classify.Class(200)), classify.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestMarkUnknownLetsChainGoOn(t *testing.T) {
	err := classify.MarkUnknown(&statusError{503})
	c := classify.Chain(classify.Default(), classify.As[*statusError](classify.Transient))
	if got := c.Classify(err); got != classify.Transient {
		t.Errorf("Classify(%v) = %v; want %v", err, got, classify.Transient)
	}
}

func TestClassedUserType(t *testing.T) {
	d := classify.Default()
	tests := []struct {
		name string
		err  error
		want classify.Class
	}{
		{"states its class", &quotaError{class: classify.RateLimit}, classify.RateLimit},
		{"wrapped", fmt.Errorf("call: %w", &quotaError{class: classify.Concurrency}), classify.Concurrency},
		{"beats what it wraps", &quotaError{class: classify.Transient, err: &statusError{400}}, classify.Transient},
		{"unknown stops the default classifier", &quotaError{class: classify.Unknown, err: &statusError{400}}, classify.Unknown},
		{"a marker around it wins", classify.MarkPermanent(&quotaError{class: classify.Transient}), classify.Permanent},
		{"a marker inside it loses", &quotaError{class: classify.Transient, err: classify.MarkPermanent(io.EOF)}, classify.Transient},
		{"invented class reads as unknown", &quotaError{class: classify.Class(7), err: io.ErrUnexpectedEOF}, classify.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestStrip(t *testing.T) {
	base := errors.New("boom")
	wrapped := fmt.Errorf("op: %w", classify.MarkPermanent(base))
	joined := errors.Join(classify.MarkTransient(base))
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil", nil, nil},
		{"unmarked error is returned as is", base, base},
		{"one marker", classify.MarkPermanent(base), base},
		{"markers and hints stacked", classify.MarkTransient(classify.WithRetryAfter(classify.MarkRateLimit(base, time.Second), time.Minute)), base},
		{"marker under another error stays", wrapped, wrapped},
		{"marker in a join stays", joined, joined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify.Strip(tt.err); got != tt.want {
				t.Errorf("Strip(%v) = %v; want %v", tt.err, got, tt.want)
			}
		})
	}

	t.Run("a marker under another error still classifies", func(t *testing.T) {
		if got := classify.Default().Classify(classify.Strip(wrapped)); got != classify.Permanent {
			t.Errorf("Classify(Strip(%v)) = %v; want %v", wrapped, got, classify.Permanent)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	base := errors.New("slow down")
	tests := []struct {
		name   string
		err    error
		want   time.Duration
		wantOK bool
	}{
		{"nil", nil, 0, false},
		{"no hint", base, 0, false},
		{"MarkRateLimit", classify.MarkRateLimit(base, 3*time.Second), 3 * time.Second, true},
		{"WithRetryAfter", classify.WithRetryAfter(base, time.Minute), time.Minute, true},
		{"user type", &hintError{hint: 5 * time.Second}, 5 * time.Second, true},
		{"one nanosecond", classify.WithRetryAfter(base, 1), 1, true},
		{"largest duration", classify.WithRetryAfter(base, time.Duration(1<<63-1)), time.Duration(1<<63 - 1), true},
		{"zero is no hint", classify.MarkRateLimit(base, 0), 0, false},
		{"negative is no hint", classify.WithRetryAfter(base, -time.Second), 0, false},
		{"most negative is no hint", &hintError{hint: -1 << 63}, 0, false},
		{"marker without hint is no hint", classify.MarkTransient(base), 0, false},
		{
			"deep in a wrap chain",
			fmt.Errorf("a: %w", fmt.Errorf("b: %w", classify.MarkPermanent(fmt.Errorf("c: %w", classify.WithRetryAfter(base, 7*time.Second))))),
			7 * time.Second, true,
		},
		{"outer hint first", classify.WithRetryAfter(classify.MarkRateLimit(base, time.Second), time.Hour), time.Hour, true},
		{"zero hint does not hide a deeper one", classify.MarkRateLimit(classify.WithRetryAfter(base, 2*time.Second), 0), 2 * time.Second, true},
		{"negative hint does not hide a deeper one", classify.WithRetryAfter(&hintError{hint: 4 * time.Second}, -time.Second), 4 * time.Second, true},
		{"zero user hint does not hide a deeper one", &hintError{err: classify.MarkRateLimit(base, time.Second)}, time.Second, true},
		{"in errors.Join", errors.Join(base, classify.MarkRateLimit(base, 9*time.Second)), 9 * time.Second, true},
		{"first of a join", errors.Join(classify.WithRetryAfter(base, time.Second), classify.WithRetryAfter(base, time.Hour)), time.Second, true},
		{"zero in a join does not hide a later one", errors.Join(classify.MarkRateLimit(base, 0), classify.WithRetryAfter(base, time.Hour)), time.Hour, true},
		{"in fmt.Errorf with two %w", fmt.Errorf("%w and %w", base, classify.WithRetryAfter(base, 6*time.Second)), 6 * time.Second, true},
		{
			"in a nested Unwrap() []error tree",
			multiError{base, multiError{nil, errors.Join(base, fmt.Errorf("x: %w", &hintError{hint: 8 * time.Second}))}},
			8 * time.Second, true,
		},
		{"none in a tree", multiError{base, errors.Join(base, io.EOF)}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := classify.RetryAfter(tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RetryAfter(%v) = %v, %v; want %v, %v", tt.err, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
