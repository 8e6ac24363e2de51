package breaker

import "github.com/reflexio-go/reflexio/internal/hook"

func init() {
	hook.BreakerClock = func(cfg any, c hook.Clock, rand func(n int64) int64) any {
		cc := cfg.(Config)
		cc.clock = &clock{c: c, rand: rand}
		return cc
	}
}

// clock is a time other than the real one for a Breaker, and a source of
// the spread of its breaks (nil: the default). Only the module's own
// simulator makes one, through package internal/hook, so that a Breaker
// runs on the same virtual clock as the retry.Do calls that ask it.
type clock struct {
	c    hook.Clock
	rand func(n int64) int64
}
