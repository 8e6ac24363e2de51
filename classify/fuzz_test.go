package classify_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/reflexio-go/reflexio/classify"
)

func valid(c classify.Class) bool { return int(c) < classify.NumClasses }

// permanent5xx are the server errors HTTPStatus documents as Permanent.
var permanent5xx = map[int]bool{501: true, 505: true, 506: true, 508: true, 510: true, 511: true}

func FuzzHTTPStatus(f *testing.F) {
	for _, tt := range httpStatusCases {
		f.Add(tt.code)
	}
	for _, code := range []int{math.MinInt, math.MinInt + 1, math.MaxInt, 1<<31 - 1, -1 << 31, 1 << 32, 400 + 1<<32, 503 - 1<<32, 399, 600} {
		f.Add(code)
	}
	table := map[int]classify.Class{}
	for _, tt := range httpStatusCases {
		table[tt.code] = tt.want
	}
	f.Fuzz(func(t *testing.T, code int) {
		c := classify.HTTPStatus(code)
		if !valid(c) {
			t.Fatalf("HTTPStatus(%d) = %v; want a valid class", code, c)
		}
		if want, ok := table[code]; ok && c != want {
			t.Errorf("HTTPStatus(%d) = %v; want %v", code, c, want)
		}
		switch {
		case code >= 400 && code < 500:
			if c == classify.Unknown || c == classify.ServerError {
				t.Errorf("HTTPStatus(%d) = %v; want a 4xx class", code, c)
			}
		case code >= 500 && code < 600:
			if c == classify.Permanent && !permanent5xx[code] {
				t.Errorf("HTTPStatus(%d) = %v; want %v", code, c, classify.ServerError)
			}
			if c != classify.Permanent && c != classify.ServerError {
				t.Errorf("HTTPStatus(%d) = %v; want %v or %v", code, c, classify.ServerError, classify.Permanent)
			}
		default:
			if c != classify.Unknown {
				t.Errorf("HTTPStatus(%d) = %v; want %v", code, c, classify.Unknown)
			}
		}
		for _, err := range []error{&statusError{code}, awsStyleError{code}} {
			if got := classify.Default().Classify(err); got != c {
				t.Errorf("Classify(%v) = %v; want %v", err, got, c)
			}
		}
	})
}

func FuzzSQLState(f *testing.F) {
	for _, tt := range sqlStateCases {
		f.Add(tt.code)
	}
	for _, code := range []string{"\x00\x00\x00\x00\x00", "08\xff\xfe\xfd", "\xff", "☃☃", "0800☃", "53300\x00", "4000\u00e9"} {
		f.Add(code)
	}
	table := map[string]classify.Class{}
	for _, tt := range sqlStateCases {
		table[tt.code] = tt.want
	}
	f.Fuzz(func(t *testing.T, code string) {
		c := classify.SQLState(code)
		if !valid(c) {
			t.Fatalf("SQLState(%q) = %v; want a valid class", code, c)
		}
		if want, ok := table[code]; ok && c != want {
			t.Errorf("SQLState(%q) = %v; want %v", code, c, want)
		}
		if len(code) != 5 && c != classify.Unknown {
			t.Errorf("SQLState(%q) = %v; want %v for a code that is not five bytes", code, c, classify.Unknown)
		}
		err := &pgError{code}
		if got := classify.Default().Classify(err); got != c {
			t.Errorf("Classify(%v) = %v; want %v", err, got, c)
		}
	})
}

// The operations of the little stack machine that FuzzClassify runs to build
// an error tree from its input. Each takes its operands from the bytes that
// follow it; a missing byte reads as zero and an empty stack pops a leaf.
const (
	opLeaf       = iota // push errors.New
	opStatus            // push StatusCode(): two bytes, a big-endian int16
	opHTTPStatus        // push HTTPStatusCode(): two bytes, a big-endian int16
	opSQLState          // push SQLState(): one byte, an index into sqlStateCases
	opStdlib            // push a standard-library error: one byte, an index into stdlibCases
	opWrap              // pop e, push fmt.Errorf("…: %w", e)
	opWrapDeep          // pop e, wrap it as many times as the next byte says, up to 64
	opJoin              // pop b, a; push errors.Join(a, b)
	opWrap2             // pop b, a; push fmt.Errorf("%w, %w", a, b)
	opMulti             // pop b, a; push a user's Unwrap() []error holding nil, a, b
	opMark              // pop e; push Mark(e, class): one byte, class values past the constants included
	opRateLimit         // pop e; push MarkRateLimit(e, hint): one byte, a signed hint in seconds
	opRetryAfter        // pop e; push WithRetryAfter(e, hint): one byte, a signed hint in seconds
	opClassed           // pop e; push a user's Classed around e: one byte, the class
	opHint              // pop e; push a user's RetryAfter() around e: one byte, the hint
	opNil               // push nil
	numOps
)

// maxNodes bounds the errors a fuzz input may build, so that deep nesting
// stays cheap to print.
const maxNodes = 500

type treeBuilder struct {
	in    []byte
	stack []error
	nodes int
}

func (b *treeBuilder) next() byte {
	if len(b.in) == 0 {
		return 0
	}
	c := b.in[0]
	b.in = b.in[1:]
	return c
}

func (b *treeBuilder) pop() error {
	if len(b.stack) == 0 {
		return errors.New("leaf")
	}
	e := b.stack[len(b.stack)-1]
	b.stack = b.stack[:len(b.stack)-1]
	return e
}

func (b *treeBuilder) push(e error) { b.stack = append(b.stack, e) }

func (b *treeBuilder) hint() time.Duration { return time.Duration(int8(b.next())) * time.Second }

// run builds the tree and returns the error on top of the stack.
func (b *treeBuilder) run(t *testing.T) error {
	for len(b.in) > 0 && b.nodes < maxNodes {
		b.nodes++
		switch b.next() % numOps {
		case opLeaf:
			b.push(errors.New("leaf"))
		case opStatus:
			b.push(&statusError{int(int16(uint16(b.next())<<8 | uint16(b.next())))})
		case opHTTPStatus:
			b.push(awsStyleError{int(int16(uint16(b.next())<<8 | uint16(b.next())))})
		case opSQLState:
			b.push(&pgError{sqlStateCases[int(b.next())%len(sqlStateCases)].code})
		case opStdlib:
			b.push(stdlibCases[int(b.next())%len(stdlibCases)].err)
		case opWrap:
			b.push(fmt.Errorf("wrap: %w", b.pop()))
		case opWrapDeep:
			e := b.pop()
			for range min(int(b.next()), 64) {
				b.nodes++
				e = fmt.Errorf("w: %w", e)
			}
			b.push(e)
		case opJoin:
			y, x := b.pop(), b.pop()
			b.push(errors.Join(x, y))
		case opWrap2:
			y, x := b.pop(), b.pop()
			b.push(fmt.Errorf("%w, %w", x, y))
		case opMulti:
			y, x := b.pop(), b.pop()
			b.push(&multiError{nil, x, y})
		case opMark:
			e := b.pop()
			m := classify.Mark(e, classify.Class(int(b.next())%(classify.NumClasses+2)))
			checkNilInNilOut(t, e, m)
			b.push(m)
		case opRateLimit:
			e := b.pop()
			m := classify.MarkRateLimit(e, b.hint())
			checkNilInNilOut(t, e, m)
			b.push(m)
		case opRetryAfter:
			e := b.pop()
			m := classify.WithRetryAfter(e, b.hint())
			checkNilInNilOut(t, e, m)
			b.push(m)
		case opClassed:
			b.push(&quotaError{class: classify.Class(b.next()), err: b.pop()})
		case opHint:
			b.push(&hintError{hint: b.hint(), err: b.pop()})
		case opNil:
			b.push(nil)
		}
	}
	return b.pop()
}

func checkNilInNilOut(t *testing.T, in, out error) {
	t.Helper()
	if (in == nil) != (out == nil) {
		t.Fatalf("marking %v gave %v; want nil for nil and non-nil otherwise", in, out)
	}
}

func FuzzClassify(f *testing.F) {
	seeds := [][]byte{
		{},
		{opLeaf},
		{opNil},
		{opStatus, 0x01, 0xF7}, // 503
		{opStatus, 0x01, 0xF7, opMark, byte(classify.Permanent)}, // marker over a status code
		{opHTTPStatus, 0x01, 0xAD, opWrap, opMark, byte(classify.Transient)},
		{opStatus, 0x80, 0x00},               // most negative status
		{opStatus, 0x7F, 0xFF},               // largest status
		{opSQLState, 0, opStdlib, 0, opJoin}, // sqlstate beside a reset
		{opStdlib, 255, opWrapDeep, 255, opWrapDeep, 255, opMark, byte(classify.RateLimit)},
		{opStdlib, 3, opMark, byte(classify.NumClasses)},        // invented class
		{opStdlib, 3, opMark, byte(classify.NumClasses + 1)},    // invented class
		{opClassed, 200, opStatus, 0x01, 0xF7, opJoin},          // user's invented class
		{opLeaf, opHint, 5, opRateLimit, 0, opRetryAfter, 0x80}, // zero and negative hints above a positive one
		{opLeaf, opRateLimit, 0x7F, opWrap},
		{opNil, opMark, 1, opNil, opRateLimit, 1, opNil, opRetryAfter, 1},
		{opNil, opNil, opJoin, opNil, opWrap2, opMulti},
		{opStdlib, 10, opStdlib, 20, opWrap2, opStdlib, 30, opMulti, opJoin, opWrapDeep, 64},
		{opSQLState, 11, opHTTPStatus, 0x01, 0x9D, opStatus, 0, 200, opMulti, opMark, byte(classify.Unknown)},
	}
	for i := range stdlibCases {
		seeds = append(seeds, []byte{opStdlib, byte(i), opWrap, opLeaf, opJoin})
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkClassify)
}

// checkClassify builds an error tree from in and checks what Default,
// ByTypeName, RetryAfter and the markers make of it.
func checkClassify(t *testing.T, in []byte) {
	b := &treeBuilder{in: in}
	err := b.run(t)
	if err == nil {
		return
	}
	d := classify.Default()
	c := d.Classify(err)
	if !valid(c) {
		t.Fatalf("Classify(%v) = %v; want a valid class", err, c)
	}
	if again := d.Classify(err); again != c {
		t.Errorf("Classify(%v) = %v, then %v; want the same class twice", err, c, again)
	}
	if got := classify.Chain(classify.Func(func(error) classify.Class { return classify.Unknown }), d).Classify(err); got != c {
		t.Errorf("Chain(unknown, Default()).Classify(%v) = %v; want %v", err, got, c)
	}
	if got := classify.ByTypeName().Classify(err); !valid(got) {
		t.Errorf("ByTypeName().Classify(%v) = %v; want a valid class", err, got)
	}
	if hint, ok := classify.RetryAfter(err); ok != (hint > 0) || !ok && hint != 0 {
		t.Errorf("RetryAfter(%v) = %v, %v; want a positive hint and true, or 0 and false", err, hint, ok)
	}

	// A Classed error at the top decides, whatever lies beneath.
	if top, ok := err.(classify.Classed); ok {
		want := top.RetryClass()
		if !valid(want) {
			want = classify.Unknown
		}
		if c != want {
			t.Errorf("Classify(%v) = %v; want %v, the class at the top", err, c, want)
		}
	}
	// A marker put at the top wins, and hides nothing.
	for k := range classify.Class(classify.NumClasses) {
		m := classify.Mark(err, k)
		if got := d.Classify(m); got != k {
			t.Errorf("Classify(Mark(%v, %v)) = %v; want %v", err, k, got, k)
		}
		if m.Error() != err.Error() {
			t.Errorf("Mark(err, %v).Error() = %q; want %q", k, m.Error(), err.Error())
		}
		if !errors.Is(m, err) {
			t.Errorf("errors.Is(Mark(err, %v), err) = false; want true", k)
		}
		if classify.Strip(m) != classify.Strip(err) {
			t.Errorf("Strip(Mark(err, %v)) = %v; want %v", k, classify.Strip(m), classify.Strip(err))
		}
	}
	if got := d.Classify(classify.MarkRateLimit(err, time.Second)); got != classify.RateLimit {
		t.Errorf("Classify(MarkRateLimit(%v, 1s)) = %v; want %v", err, got, classify.RateLimit)
	}
	if hint, ok := classify.RetryAfter(classify.MarkRateLimit(err, time.Hour)); hint != time.Hour || !ok {
		t.Errorf("RetryAfter(MarkRateLimit(%v, 1h)) = %v, %v; want 1h0m0s, true", err, hint, ok)
	}
	if got := d.Classify(classify.Mark(err, classify.Class(classify.NumClasses))); got != classify.Unknown {
		t.Errorf("Classify(Mark(%v, Class(%d))) = %v; want %v", err, classify.NumClasses, got, classify.Unknown)
	}
}
