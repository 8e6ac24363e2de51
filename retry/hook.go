package retry

import "github.com/reflexio-go/reflexio/internal/hook"

func init() {
	hook.WithClock = func(c hook.Clock) any { return clockOption{c} }
	hook.Unlayered = func() any { return unlayered{} }
}

// clockOption runs a call on a clock other than the real one. Only the
// module's own simulator makes one, through package internal/hook.
type clockOption struct{ c hook.Clock }

func (o clockOption) String() string { return "clock" }

func (o clockOption) apply(c *config) { c.clock = o.c }

// unlayered makes a call keep to itself that it gave up (see layer.go), as
// a loop of another library would. Only the module's own simulator makes
// one, through package internal/hook.
type unlayered struct{}

func (unlayered) String() string { return "unlayered" }

func (unlayered) apply(c *config) { c.unlayered = true }
