package retry

import (
	"strconv"
	"strings"
)

// An Option configures a call of Do or Run. Options are values: build them
// once, keep them in variables, share them across goroutines and packages.
// Every Option prints itself as the call that made it, such as
// "MaxAttempts(5)".
//
// Options apply in order: for a setting, the last one wins; subscribers
// add up. Options groups options into one.
type Option interface {
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
// any attempt, and so does a nil member, most likely a variable read before
// it was set.
func Options(opts ...Option) Option {
	b := &bundle{}
	for i, o := range opts {
		switch o := o.(type) {
		case nil:
			if b.err == nil {
				b.err = &optionError{option: "Options", reason: "option " + strconv.Itoa(i) + " is nil"}
			}
		case *bundle:
			if b.err == nil {
				b.err = o.err
			}
			b.opts = append(b.opts, o.opts...) // flatten: one level to apply
		default:
			b.opts = append(b.opts, o)
		}
	}
	b.cfg = defaults
	b.apply(&b.cfg)
	return b
}

type bundle struct {
	opts []Option // leaves only, in order
	err  error    // a nil member's, at any depth
	cfg  config   // defaults with opts applied
}

func (b *bundle) apply(c *config) {
	if c.err == nil {
		c.err = b.err
	}
	for _, o := range b.opts {
		o.apply(c)
	}
}

func (b *bundle) String() string {
	return "Options(" + join(b.opts) + ")"
}

func join[T interface{ String() string }](xs []T) string {
	var s strings.Builder
	for i, x := range xs {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(x.String())
	}
	return s.String()
}

// resolve returns the configuration that opts make. It does the least work
// it can: none for no options or a lone bundle, which it returns as they
// are, and a copy plus each option's apply otherwise. The copy is allocated
// here, only when needed, because apply is an interface call that makes it
// escape: declared in the caller, it would cost every call an allocation.
func resolve(opts []Option) *config {
	if len(opts) == 0 {
		return &defaults
	}
	b, ok := opts[0].(*bundle)
	if ok && len(opts) == 1 {
		return &b.cfg
	}
	first := 0
	c := new(config)
	if ok {
		*c = b.cfg
		first = 1
	} else {
		*c = defaults
	}
	for i := first; i < len(opts); i++ {
		if opts[i] == nil {
			if c.err == nil {
				c.err = &optionError{reason: "option " + strconv.Itoa(i) + " is nil"}
			}
			continue
		}
		opts[i].apply(c)
	}
	return c
}
