package retry

import (
	"fmt"
	"strconv"

	"github.com/reflexio-go/reflexio/internal/typednil"
	"github.com/reflexio-go/reflexio/observe"
)

// Name sets the operation's name, carried by every event of the call. It
// becomes a label of logs and metrics, so keep it low-cardinality: name the
// dependency and the operation ("users.get"), never a URL or an ID.
//
// Default: "".
func Name(op string) Option { return name(op) }

type name string

func (o name) String() string { return "Name(" + strconv.Quote(string(o)) + ")" }

func (o name) apply(c *config) { c.name = string(o) }

// Subscribe adds subscribers that receive the call's events. Subscribers
// add up across options and bundles; each receives only the kinds it takes
// (see observe.Selective), and a call that nobody observes builds no event.
// No subscriber may be nil, a nil pointer (such as a nil *observe.Recorder)
// or a nil function, and observe.Validate must accept each: it reports, for
// one, an observe.Func of a nil function.
//
// Default: none.
func Subscribe(subs ...observe.Subscriber) Option {
	return subscribe(append([]observe.Subscriber(nil), subs...))
}

type subscribe []observe.Subscriber

func (o subscribe) String() string {
	s := "Subscribe("
	for i, sub := range o {
		if i > 0 {
			s += ", "
		}
		if str, ok := sub.(fmt.Stringer); ok && !typednil.Is(sub) {
			s += str.String()
		} else {
			s += fmt.Sprintf("%T", sub)
		}
	}
	return s + ")"
}

func (o subscribe) apply(c *config) {
	// Cap the slice at its length so that append copies instead of writing
	// into the backing array of a bundle's or the defaults' slice.
	subs := c.subs[:len(c.subs):len(c.subs)]
	for i, s := range o {
		if s == nil {
			c.fail(o.String(), "subscriber "+strconv.Itoa(i)+" is nil")
			return
		}
		if err := observe.Validate(s); err != nil {
			if typednil.Is(s) {
				c.fail(o.String(), "subscriber "+strconv.Itoa(i)+" is a nil "+typeName(s))
				return
			}
			// err names the subscriber and its bad value.
			c.failWith("Subscribe", err)
			return
		}
		k := observe.KindsOf(s)
		subs = append(subs, subscriber{s, k})
		c.kinds |= k
	}
	c.subs = subs
}

// NoSubscribers removes the subscribers that earlier options set, such as a
// bundle's, so that a call site can replace them rather than add to them:
//
//	retry.Do(ctx, op, shared, retry.NoSubscribers(), retry.Subscribe(mine))
//
// A Subscribe after it adds anew. A call left with no subscriber builds no
// event.
//
// Default: none; a call has no subscribers unless an option adds them.
func NoSubscribers() Option { return noSubscribers{} }

type noSubscribers struct{}

func (noSubscribers) String() string { return "NoSubscribers()" }

func (noSubscribers) apply(c *config) { c.subs, c.kinds = nil, 0 }
