package retry

import (
	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/backoffhook"
)

// Random draws. A delay's strategy gets a uniform draw in Input.Random,
// which costs some 10ns, a large share of a retry after Constant(0); the
// loop draws none for a strategy of package backoff that ignores it, such
// as Constant or Exponential, unless the call has its own source (Rand):
// a seeded simulation then waits the delays it always has. A user's own
// strategy may read Random, and gets a draw every time.
//
// Whether a strategy ignores Random is a look inside it (backoffhook),
// which the defaults and every bundle take once, when they are built. A
// call that gives a strategy of its own takes it only when a delay needs
// it, once per call: most calls succeed at once, and never pay for it.

// drawRule says which delays of a configuration need no random draw.
type drawRule struct {
	known     bool    // the fields below are learned; false once a strategy is given, until learnDraws
	steady    bool    // the strategy of Backoff ignores Input.Random
	steadyFor classes // the classes whose strategy of BackoffFor ignores it
}

// learnDraws returns the drawRule of c's strategies.
func learnDraws(c *config) drawRule {
	d := drawRule{known: true, steady: backoffhook.IgnoresRandom(c.strategy)}
	for class, s := range c.classStrategy {
		if s != nil && backoffhook.IgnoresRandom(s) {
			d.steadyFor |= 1 << class
		}
	}
	return d
}

// draws reports whether a delay for class needs a random draw. A call
// whose configuration does not know yet learns its rule now, into r.
func (r *run) draws(class classify.Class) bool {
	if r.cfg.rand != nil {
		return true
	}
	rule := &r.cfg.draw
	if !rule.known {
		if !r.draw.known {
			r.draw = learnDraws(r.cfg)
		}
		rule = &r.draw
	}
	if r.cfg.classStrategy[class] != nil {
		return !rule.steadyFor.has(class)
	}
	return !rule.steady
}

// classes is a set of classes, one bit per class.
type classes uint8

var _ [8 - classify.NumClasses]struct{} // every class has its bit

// has reports whether class is in s.
func (s classes) has(class classify.Class) bool { return s&(1<<class) != 0 }
