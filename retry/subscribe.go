package retry

import (
	"fmt"
	"strconv"

	"github.com/reflexio-go/reflexio/internal/observehook"
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
// An observe.Func of an event struct type, such as observe.Retry, given
// here or in an observe.Multi given here, receives its events by value,
// and a call delivers them without allocating. Every other subscriber
// receives each event boxed into an observe.Event, one allocation per
// event, shared by all of them.
//
// Building subscribers at the call site costs what building them does,
// once per call: a Func literal that changes a variable it captures moves
// both to the heap, and a Multi, or more than one subscriber, given at the
// call site allocates the list that holds them. To observe a call for
// free, subscribe such Funcs in a bundle (Options), built once, or give
// the call one Func that captures nothing it changes.
//
// Default: none.
func Subscribe(subs ...observe.Subscriber) Option {
	if len(subs) == 1 {
		return subscribe{one: [1]observe.Subscriber{subs[0]}}
	}
	return subscribe{subs: append(make([]observe.Subscriber, 0, len(subs)), subs...)}
}

// subscribe is what Subscribe returns. A lone subscriber, the usual case,
// is kept in one, so that Subscribe copies no slice: a call that gives it at
// the call site keeps it on its stack.
type subscribe struct {
	one  [1]observe.Subscriber
	subs []observe.Subscriber // nil when one holds the only subscriber
}

// list returns the subscribers, in the order Subscribe got them.
func (o *subscribe) list() []observe.Subscriber {
	if o.subs == nil {
		return o.one[:]
	}
	return o.subs
}

func (o subscribe) String() string {
	s := "Subscribe("
	for i, sub := range o.list() {
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
	for i, s := range o.list() {
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
		subs = c.add(subs, s)
	}
	c.subs = subs
}

// add adds the kinds s takes to c.kinds and, unless it takes none, s
// itself, as the loop keeps it (see typedOf): to c.sub if c has no
// subscriber yet, so that a lone subscriber costs no slice, else to subs,
// which it returns. An observe.Multi is added member by member, as it
// hands events on, so that its Funcs, too, receive them by value.
func (c *config) add(subs []subscriber, s observe.Subscriber) []subscriber {
	if members, ok := observehook.Members(s); ok {
		for _, m := range members {
			subs = c.add(subs, m.(observe.Subscriber))
		}
		return subs
	}
	k := observe.KindsOf(s)
	c.kinds |= k
	switch {
	case k == 0:
		return subs
	case c.sub.kinds == 0 && len(subs) == 0:
		c.sub = subscriber{typedOf(s), k}
		return subs
	}
	return append(subs, subscriber{typedOf(s), k})
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

func (noSubscribers) apply(c *config) { c.sub, c.subs, c.kinds = subscriber{}, nil, 0 }
