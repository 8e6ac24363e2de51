package integration

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/reflexio-go/reflexio/retry"
	"github.com/reflexio-go/reflexio/retry/breaker"
)

// Breakers is the breaker state of an integration: none (its zero value),
// or a circuit breaker per downstream, each made with one breaker.Config
// and kept in a retry.Breakers made at first use. It is safe for
// concurrent use once Set is done, and must not be copied after first use.
type Breakers struct {
	on  bool
	cfg breaker.Config
	set lazy[retry.Breakers]
}

// Set gives each downstream a breaker made with cfg, or, if cfg cannot
// make one, changes nothing and returns why: an error matching
// breaker.ErrInvalidConfig that names the field and its value. It must be
// called before the first call of Breaker.
func (b *Breakers) Set(cfg breaker.Config) error {
	if err := breaker.New(cfg).Err(); err != nil {
		return err
	}
	b.on, b.cfg = true, cfg
	return nil
}

// Breaker returns the breaker of the downstream that key names, given k,
// or nil if b gives none. key is only called if it does, so that no
// breaker costs no key.
func Breaker[K any](b *Breakers, k K, key func(K) string) *breaker.Breaker {
	if !b.on {
		return nil
	}
	s := b.set.get(func() *retry.Breakers { return retry.NewBreakers(b.cfg, retry.DefaultMaxKeys) })
	return s.For(key(k))
}

// ConfigString returns the text of cfg for an option's: its fields that
// are set, by name, such as "{MinCalls:5 BreakDuration:1s}", and "{}"
// for the defaults. Subscribers are counted, not printed.
func ConfigString(cfg breaker.Config) string {
	var b strings.Builder
	b.WriteByte('{')
	v := reflect.ValueOf(cfg)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.IsZero() {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(' ')
		}
		name := v.Type().Field(i).Name
		if name == "Subscribers" {
			fmt.Fprintf(&b, "%s:%d", name, f.Len())
			continue
		}
		format := "%s:%v"
		if f.Kind() == reflect.String {
			format = "%s:%q"
		}
		fmt.Fprintf(&b, format, name, f.Interface())
	}
	b.WriteByte('}')
	return b.String()
}
