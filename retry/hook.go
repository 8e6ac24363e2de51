package retry

import "github.com/reflexio-go/reflexio/internal/hook"

func init() {
	hook.WithClock = func(c hook.Clock) any { return clockOption{c} }
}

// clockOption runs a call on a clock other than the real one. Only the
// module's own simulator makes one, through package internal/hook.
type clockOption struct{ c hook.Clock }

func (o clockOption) String() string { return "clock" }

func (o clockOption) apply(c *config) { c.clock = o.c }
