package main

import (
	"fmt"
	"go/types"
	"slices"
	"strings"
)

// listing returns the exported API of pkg as text, one declaration a line,
// sorted by name, for people to read in the record and in its diffs:
//
//	const NumClasses int = 6
//	func Do[T any](ctx context.Context, op func(context.Context) (T, error), opts ...Option) (T, error)
//	type Error struct
//	type Error struct, Reason error
//	method (*Error) Unwrap() []error
//	type Option interface, String() string
//	type Option interface, unexported methods
//	var ErrPermanent error
//
// Names of other packages are qualified by their package's name. Struct
// fields are in their order, methods by name. Fields and methods that are not
// exported are left out, save the mention that an interface has some (which
// means that only its own package can implement it).
func listing(pkg *types.Package) string {
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	add("# The API of package %s, recorded by internal/apicheck: do not edit.", pkg.Path())
	scope := pkg.Scope()
	for _, name := range scope.Names() { // sorted
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch obj := obj.(type) {
		case *types.Const:
			add("const %s %s = %s", name, types.TypeString(obj.Type(), qual), obj.Val().ExactString())
		case *types.Var:
			add("var %s %s", name, types.TypeString(obj.Type(), qual))
		case *types.Func:
			add("%s", types.ObjectString(obj, qual))
		case *types.TypeName:
			lines = append(lines, typeListing(obj, qual)...)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// typeListing returns the lines of a type: its kind, its exported fields or
// interface methods, and its exported methods.
func typeListing(obj *types.TypeName, qual types.Qualifier) []string {
	if obj.IsAlias() {
		return []string{fmt.Sprintf("type %s = %s", obj.Name(), types.TypeString(types.Unalias(obj.Type()), qual))}
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		return []string{fmt.Sprintf("type %s %s", obj.Name(), types.TypeString(obj.Type().Underlying(), qual))}
	}

	head := "type " + obj.Name()
	if tps := named.TypeParams(); tps.Len() > 0 {
		var params []string
		for tp := range tps.TypeParams() {
			params = append(params, tp.Obj().Name()+" "+types.TypeString(tp.Constraint(), qual))
		}
		head += "[" + strings.Join(params, ", ") + "]"
	}
	var lines []string
	switch u := named.Underlying().(type) {
	case *types.Struct:
		head += " struct"
		lines = append(lines, head)
		for f := range u.Fields() {
			switch {
			case !f.Exported():
			case f.Embedded():
				lines = append(lines, fmt.Sprintf("%s, embedded %s", head, types.TypeString(f.Type(), qual)))
			default:
				lines = append(lines, fmt.Sprintf("%s, %s %s", head, f.Name(), types.TypeString(f.Type(), qual)))
			}
		}
	case *types.Interface:
		head += " interface"
		lines = append(lines, head)
		for e := range u.EmbeddedTypes() {
			lines = append(lines, fmt.Sprintf("%s, embedded %s", head, types.TypeString(e, qual)))
		}
		sealed := false
		for m := range u.ExplicitMethods() {
			if !m.Exported() {
				sealed = true
				continue
			}
			lines = append(lines, fmt.Sprintf("%s, %s%s", head, m.Name(), signature(m, qual)))
		}
		if sealed {
			lines = append(lines, head+", unexported methods")
		}
	default:
		lines = append(lines, head+" "+types.TypeString(u, qual))
	}
	var methods []string
	for m := range named.Methods() {
		if !m.Exported() {
			continue
		}
		recv := types.TypeString(m.Signature().Recv().Type(), qual)
		methods = append(methods, fmt.Sprintf("method (%s) %s%s", recv, m.Name(), signature(m, qual)))
	}
	slices.SortFunc(methods, func(a, b string) int { // by name, whatever the receiver
		return strings.Compare(a[strings.Index(a, ") ")+2:], b[strings.Index(b, ") ")+2:])
	})
	return append(lines, methods...)
}

// signature returns the signature of f without its leading "func".
func signature(f *types.Func, qual types.Qualifier) string {
	return strings.TrimPrefix(types.TypeString(f.Signature(), qual), "func")
}
