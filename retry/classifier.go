package retry

import (
	"fmt"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/typednil"
)

// Classifier sets the classifier that maps each failed attempt's error to a
// class. To add rules to the default, chain them before it:
//
//	retry.Classifier(classify.Chain(myRules, classify.Default()))
//
// cl must not be nil, a nil pointer or a nil function (such as a nil
// classify.Func), and classify.Validate must accept it: it reports, among
// others, a classify.Match of a nil function and a class that is not one
// of the constants, also inside a classify.Chain. A classifier that panics
// is not recovered: the panic unwinds Do, as one in the operation does. A
// class it invents is read as Unknown.
//
// Default: classify.Default().
func Classifier(cl classify.Classifier) Option { return classifier{cl} }

type classifier struct{ cl classify.Classifier }

func (o classifier) String() string { return fmt.Sprintf("Classifier(%v)", o.cl) }

func (o classifier) apply(c *config) {
	if o.cl == nil {
		c.fail(o.String(), "classifier is nil")
		return
	}
	// Validate reports typed nils too: tell them apart only when it fails,
	// so that a valid classifier pays for one check.
	if err := classify.Validate(o.cl); err != nil {
		if typednil.Is(o.cl) {
			c.fail(o.String(), "classifier is a nil "+typeName(o.cl))
			return
		}
		// err names the classifier and its bad value: name only the option.
		c.failWith("Classifier", err)
		return
	}
	c.classifier = o.cl
}
