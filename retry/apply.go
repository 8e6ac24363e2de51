package retry

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is how options take effect: a call's list of options becomes a
// config (config.go), which the loop (loop.go) then only reads. The walk is
// one-way:
//
//	Do, Run → loop → resolved, or origin → applyAll → applyOne → the option's apply
//
// where each option's apply, next to its constructor (limits.go, waits.go,
// classifier.go, subscribe.go, budget.go, hook.go), checks its value and
// sets its fields of the config. A bundle is applied by applyAll, member by
// member; applyOne sees only the members, never a bundle.

// An Option configures a call of Do or Run. Options are values: build them
// once, keep them in variables, share them across goroutines and packages.
// Every Option prints itself as the call that made it, such as
// "MaxAttempts(5)".
//
// Options apply in order: for a setting, the last one wins; subscribers
// add up. Options groups options into one.
//
// Only this package makes Options. A value of another type, even one that
// embeds an Option, fails the call with ErrInvalidOption: that is what lets
// a call's own options stay on its stack. So does the zero value, a nil
// Option.
type Option interface {
	// apply checks the option's value and sets it in c, or records in c
	// why it is invalid. It is called on the concrete type, by applyOne
	// (and, for a bundle, by applyAll), never through the interface.
	apply(c *config)
	String() string
}

// Options returns one Option made of opts, applied in order, to be kept in a
// variable and reused: a package states once how it retries a dependency,
// and every call site uses that, overriding what it must:
//
//	// package users
//	var Idempotent = retry.Options(retry.MaxAttempts(5), retry.Deadline(30*time.Second))
//
//	// elsewhere
//	v, err := retry.Do(ctx, op, users.Idempotent, retry.MaxAttempts(2))
//
// The bundle is resolved when Options is called, not on every call: a call
// whose only option is a bundle, or that starts with one, costs no more than
// a call with no options (plus whatever follows the bundle). An invalid
// member makes every call that uses the bundle fail with its error before
// any attempt, and so does a nil member or a nil *Budget, most likely a
// variable read before it was set. Options never panics; Options() and
// Options(nil...) are a bundle of nothing.
func Options(opts ...Option) Option {
	b := &bundle{}
	b.self = b
	for i, o := range opts {
		switch o := o.(type) {
		case nil:
			if b.err == nil {
				b.err = &optionError{option: "Options", reason: "option " + strconv.Itoa(i) + " is nil"}
			}
		case *Budget:
			if o == nil {
				if b.err == nil {
					b.err = &optionError{option: "Options", reason: "option " + strconv.Itoa(i) + " is a nil *retry.Budget"}
				}
				continue // kept out, so that the bundle prints without it
			}
			b.opts = append(b.opts, o)
		case *bundle:
			if b.err == nil {
				b.err = o.err
			}
			b.opts = append(b.opts, o.opts...) // flatten: one level to apply
			if o.result != nil {
				b.result = o.result
			}
			if o.release != nil {
				b.release = o.release
			}
		case resulter:
			b.opts = append(b.opts, o)
			b.result = o
		case releaser:
			b.opts = append(b.opts, o)
			b.release = o
		default:
			b.opts = append(b.opts, o)
		}
	}
	b.cfg = defaults
	b.apply(&b.cfg)
	b.cfg.settle()
	b.cfg.draw = learnDraws(&b.cfg)
	return b
}

// bundle is what Options returns: its members, flattened, and the
// configuration they make from the defaults, so that a call that starts
// with the bundle copies that instead of applying them again.
type bundle struct {
	opts []Option // members, never a bundle, in order
	err  error    // a nil member's, at any depth
	cfg  config   // defaults with opts applied
	self *bundle  // the bundle itself: see the note on escapes in applyOne

	result  resulter // the last result classifier among opts, for Do (result.go)
	release releaser // the last HedgeRelease among opts, for DoHedged (hedge.go)
}

// apply applies the bundle's members to c, after whatever c holds.
func (b *bundle) apply(c *config) {
	if c.err == nil {
		c.err = b.err
	}
	for i, o := range b.opts {
		applyOne(c, i, o)
	}
}

func (b *bundle) String() string {
	return "Options(" + join(b.opts) + ")"
}

// join prints opts separated by commas. It prints through fmt, which
// recovers a panic in the String method of an option of another type that
// embeds a nil Option: the call fails for that option, and printing the
// bundle must not panic.
func join(opts []Option) string {
	var s strings.Builder
	for i, o := range opts {
		if i > 0 {
			s.WriteString(", ")
		}
		fmt.Fprint(&s, o)
	}
	return s.String()
}

// resolved returns the configuration of a call whose options are already
// resolved: none, which is the defaults, or a lone bundle. It returns nil
// for any other list, which resolve takes.
func resolved(opts []Option) *config {
	if len(opts) == 0 {
		return &defaults
	}
	if b, ok := opts[0].(*bundle); ok && len(opts) == 1 {
		return &b.self.cfg
	}
	return nil
}

// origin returns the configuration that a call with opts, which resolved
// does not take, starts from, the defaults or the bundle that opts start
// with, and the index of the first option to apply to a copy of it: a
// bundle followed by overrides costs one copy and the overrides.
func origin(opts []Option) (*config, int) {
	if b, ok := opts[0].(*bundle); ok {
		return &b.self.cfg, 1
	}
	return &defaults, 0
}

// applyAll applies opts[first:] to c in order, a bundle member by member.
func applyAll(c *config, opts []Option, first int) {
	for i := first; i < len(opts); i++ {
		if b, ok := opts[i].(*bundle); ok {
			b.self.apply(c)
			continue
		}
		applyOne(c, i, opts[i])
	}
}

// applyOne applies o, the i-th option of a list, to c: anything but a
// bundle, which applyAll opens. It dispatches on the option's concrete
// type instead of calling apply through the interface, so that the
// compiler can see that neither c nor o escapes: a call that passes
// options of its own then keeps them, and its configuration, on its stack.
// Every Option is a type of this package (the interface's method is
// unexported), so the switch is complete but for types that embed an
// Option.
//
// A note on escapes. An option whose value is a single pointer is stored as
// the interface's own data word, and storing that pointer anywhere would
// tell the compiler that the data word of every Option escapes, moving the
// options of every call to the heap. So no option type is pointer-shaped but
// *Budget and *bundle, and those are read through a pointer to themselves
// (their self field) rather than through the Option.
func applyOne(c *config, i int, o Option) {
	switch o := o.(type) {
	case maxAttempts: // limits.go
		o.apply(c)
	case maxClassAttempts:
		o.apply(c)
	case deadline:
		o.apply(c)
	case noDeadline:
		o.apply(c)
	case maxRetryTime:
		o.apply(c)
	case attemptTimeout:
		o.apply(c)
	case strategy: // waits.go
		o.apply(c)
	case maxRetryAfter:
		o.apply(c)
	case random:
		o.apply(c)
	case classifier: // classifier.go
		o.apply(c)
	case name: // subscribe.go
		o.apply(c)
	case subscribe:
		o.apply(c)
	case noSubscribers:
		o.apply(c)
	case *Budget: // budget.go
		if o == nil {
			c.fail("", "option "+strconv.Itoa(i)+" is a nil *retry.Budget")
			return
		}
		o.apply(c)
	case noBudget:
		o.apply(c)
	case breakerOption: // breaker.go
		o.apply(c)
	case clockOption: // hook.go
		o.apply(c)
	case unlayered:
		o.apply(c)
	case hedge: // hedge.go
		o.apply(c)
	case resulter: // result.go: generic, so matched by what every T's is,
		// last, so that no other option pays for the interface's check
		c.results = true // checked by Do, which alone knows T (resultOf)
	case releaser: // generic, as resulter
		c.releases = true // checked by DoHedged (releaseOf)
	case nil:
		c.fail("", "option "+strconv.Itoa(i)+" is nil")
	default:
		c.fail("", "option "+strconv.Itoa(i)+" is not one this package made")
	}
}
