package retrygrpc

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/reflexio-go/reflexio/classify"
	"github.com/reflexio-go/reflexio/internal/integration"
)

// ErrNotIdempotent is found with errors.Is in the error of a call that was
// not retried because its method is not known to be idempotent (see
// Idempotent) and its attempt failed after it may have reached the
// server's handler, which may have acted on it. Such an error is
// Permanent, whatever its code, and keeps the attempt's status: status.Code
// reads the server's code in it.
var ErrNotIdempotent = errors.New("retrygrpc: method is not idempotent")

// Idempotent sets the rule that says whether a method may be called more
// than once for one call: rule gets the full method name, such as
// "/orders.v1.Orders/CreateOrder", and reports whether calling it twice has
// the effect of calling it once. A call of a method for which it returns
// false is retried only when its failure shows that the server did not
// act on it (see the package documentation); any other failure ends the
// call, and says so (ErrNotIdempotent). Extend the default rule rather
// than replace it, unless you mean to:
//
//	retrygrpc.Idempotent(func(method string) bool {
//		return retrygrpc.IsIdempotent(method) || method == "/orders.v1.Orders/CreateOrder" // deduplicated by request_id
//	})
//
// The rule is called once per call, on the goroutine that makes it, and
// must be safe for concurrent use. CallIdempotent overrides it for one
// call.
//
// Default: IsIdempotent.
func Idempotent(rule func(fullMethod string) bool) Option { return idempotent{rule} }

type idempotent struct{ rule func(string) bool }

func (o idempotent) String() string { return integration.Func("Idempotent", o.rule == nil) }

func (o idempotent) apply(i *Interceptor) {
	if o.rule == nil {
		i.fail(o, "rule is nil")
		return
	}
	i.idempotent = o.rule
}

// CallIdempotent returns a grpc.CallOption that says whether one call may
// be made more than once, whatever the rule of Idempotent says of its
// method: CallIdempotent(true) for a call that the server deduplicates,
// by a request ID it carries, say; CallIdempotent(false) for a call of a
// method said to be idempotent that must not be repeated all the same.
//
//	// The server applies one CreateOrder per request_id.
//	resp, err := client.CreateOrder(ctx, &pb.CreateOrderRequest{RequestId: id, …}, retrygrpc.CallIdempotent(true))
//
// A call without an Interceptor ignores the option. Of several
// CallIdempotent options of one call, the last counts.
func CallIdempotent(ok bool) grpc.CallOption { return callIdempotent{ok: ok} }

// callIdempotent carries a call's idempotency to the Interceptor through
// its options; gRPC itself ignores it.
type callIdempotent struct {
	grpc.EmptyCallOption
	ok bool
}

func (o callIdempotent) String() string {
	if o.ok {
		return "CallIdempotent(true)"
	}
	return "CallIdempotent(false)"
}

// IsIdempotent is the default rule of Idempotent: it reports whether the
// method named fullMethod ("/package.Service/Method", as gRPC names it)
// is declared, in its .proto file, with
//
//	option idempotency_level = IDEMPOTENT;
//
// or NO_SIDE_EFFECTS. It reads the method's descriptor from
// protoregistry.GlobalFiles, where the code that protoc-gen-go generates
// registers its .proto files: it knows the methods of the services whose
// generated packages the program links. A method it cannot find, an
// IDEMPOTENCY_UNKNOWN one, and a name that is not a full method name are
// not idempotent. The answer for each method is kept, so that only the
// first call of a method looks it up (up to 4096 methods; beyond them,
// every call does). IsIdempotent is safe for concurrent use.
func IsIdempotent(fullMethod string) bool {
	if v, ok := levels.Load(fullMethod); ok {
		return v.(bool)
	}
	ok := idempotentIn(protoregistry.GlobalFiles, fullMethod)
	if levelsLen.Load() < maxLevels {
		if _, loaded := levels.LoadOrStore(fullMethod, ok); !loaded {
			levelsLen.Add(1)
		}
	}
	return ok
}

// levels keeps IsIdempotent's answers: full method name → bool. It is
// bounded, because method names come from callers, who may make them up
// (a proxy that forwards whatever it is sent, say).
var (
	levels    sync.Map
	levelsLen atomic.Int32
)

const maxLevels = 4096

// idempotentIn reports whether files declares the method named fullMethod
// idempotent or without side effects.
func idempotentIn(files *protoregistry.Files, fullMethod string) bool {
	name, ok := strings.CutPrefix(fullMethod, "/")
	if !ok {
		return false
	}
	slash := strings.LastIndexByte(name, '/')
	if slash <= 0 {
		return false
	}
	d, err := files.FindDescriptorByName(protoreflect.FullName(name[:slash]))
	if err != nil {
		return false
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return false
	}
	md := sd.Methods().ByName(protoreflect.Name(name[slash+1:]))
	if md == nil {
		return false
	}
	opts, ok := md.Options().(*descriptorpb.MethodOptions)
	if !ok {
		return false
	}
	switch opts.GetIdempotencyLevel() { // a nil opts has none
	case descriptorpb.MethodOptions_IDEMPOTENT, descriptorpb.MethodOptions_NO_SIDE_EFFECTS:
		return true
	}
	return false
}

// repeatable reports whether a call of method made with callOpts may be
// made more than once: as its last CallIdempotent says, or the rule of
// Idempotent.
func (i *Interceptor) repeatable(method string, callOpts []grpc.CallOption) bool {
	for n := len(callOpts) - 1; n >= 0; n-- {
		if o, ok := callOpts[n].(callIdempotent); ok {
			return o.ok
		}
	}
	if i.idempotent != nil {
		return i.idempotent(method)
	}
	return IsIdempotent(method)
}

// invited reports whether md, a failed attempt's trailer, asks for a
// retry: it has a grpc-retry-pushback-ms that allows one, and says when.
func invited(md metadata.MD) bool {
	_, ok := parsePushback(md.Get(pushbackKey))
	return ok
}

// refuse returns the error of an attempt that failed with err and may
// have reached the server, at a call that must not be made twice: err
// itself if the server already said not to retry it (a pushbackError),
// otherwise err marked Permanent, with ErrNotIdempotent.
func refuse(err error) error {
	if _, ok := err.(*pushbackError); ok {
		return err
	}
	return &notIdempotentError{err: err}
}

// notIdempotentError is the error of an attempt at a call that must not be
// made again, because its method is not known to be idempotent and the
// attempt may have reached the server: Permanent, with the attempt's error
// and ErrNotIdempotent in its tree.
type notIdempotentError struct{ err error }

func (e *notIdempotentError) Error() string {
	return e.err.Error() + " (not retried: " + ErrNotIdempotent.Error() + ")"
}

func (e *notIdempotentError) Unwrap() []error { return []error{e.err, ErrNotIdempotent} }

// RetryClass returns classify.Permanent: the server may have acted on the
// attempt.
func (e *notIdempotentError) RetryClass() classify.Class { return classify.Permanent }
