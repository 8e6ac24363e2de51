package integration

import (
	"strconv"
	"strings"
	"time"

	"github.com/reflexio-go/reflexio/retry"
)

// Hedge is an integration's hedging policy, as its options Hedge(delay,
// max) and HedgeAdaptive(cfg, max) give it: a fixed delay, or, with
// Adaptive, a delay that follows each downstream's latency, kept by Cfg.
type Hedge struct {
	Delay    time.Duration
	Max      int
	Cfg      retry.LatencyConfig // HedgeAdaptive's
	Adaptive bool
}

// String prints h as the option that made it, such as "Hedge(10ms, 2)" or
// "HedgeAdaptive({Quantile:0.99}, 2)".
func (h Hedge) String() string {
	if h.Adaptive {
		return "HedgeAdaptive(" + latencyConfigString(h.Cfg) + ", " + strconv.Itoa(h.Max) + ")"
	}
	return "Hedge(" + h.Delay.String() + ", " + strconv.Itoa(h.Max) + ")"
}

// Check returns why h is invalid, or "".
func (h Hedge) Check() string {
	switch {
	case h.Delay < 0:
		return "delay must not be negative"
	case h.Max < 2:
		return "max must be at least 2: the first attempt and a hedge"
	case h.Adaptive:
		return latencyConfigInvalid(h.Cfg)
	}
	return ""
}

// Build returns the Hedger of a valid h.
func (h Hedge) Build() *Hedger {
	if h.Adaptive {
		return &Hedger{perKey: retry.NewLatencies(h.Cfg, retry.DefaultMaxKeys), max: h.Max}
	}
	return &Hedger{fixed: retry.Hedge(h.Delay, h.Max)}
}

// A Hedger is what an integration hedges its calls with, once its Hedge
// option applied; nil, it does not hedge.
type Hedger struct {
	fixed  retry.Option     // retry.Hedge of the delay; nil: adaptive
	perKey *retry.Latencies // the adaptive delay's latencies, one per downstream
	max    int              // the adaptive one's
}

// Option returns the retry option that makes a call to the downstream
// named key hedge: retry.Hedge of the fixed delay, or retry.HedgeAdaptive
// with the downstream's own Latency.
func (h *Hedger) Option(key string) retry.Option {
	if h.perKey != nil {
		return retry.HedgeAdaptive(h.perKey.For(key), h.max)
	}
	return h.fixed
}

// latencyConfigInvalid returns why package retry refuses cfg, or "", in
// its own words: the reason that retry.Latency's Err gives.
func latencyConfigInvalid(cfg retry.LatencyConfig) string {
	if err := retry.NewLatency(cfg).Err(); err != nil {
		return strings.TrimPrefix(err.Error(), "retry: Latency: ")
	}
	return ""
}

// latencyConfigString prints cfg's fields that are set, such as
// "{Quantile:0.99 Cap:200ms}"; "{}" for the defaults.
func latencyConfigString(cfg retry.LatencyConfig) string {
	var fields []string
	add := func(name string, set bool, value string) {
		if set {
			fields = append(fields, name+":"+value)
		}
	}
	add("Quantile", cfg.Quantile != 0, strconv.FormatFloat(cfg.Quantile, 'g', -1, 64))
	add("Window", cfg.Window != 0, cfg.Window.String())
	add("MinSamples", cfg.MinSamples != 0, strconv.Itoa(cfg.MinSamples))
	add("Floor", cfg.Floor != 0, cfg.Floor.String())
	add("Cap", cfg.Cap != 0, cfg.Cap.String())
	add("Fallback", cfg.Fallback != 0, cfg.Fallback.String())
	return "{" + strings.Join(fields, " ") + "}"
}
