// Package typednil tells a typed nil from a value: the one check that every
// package of the module makes of the values its users give it.
package typednil

import "reflect"

// Is reports whether v holds a nil pointer or a nil function: a typed nil,
// which is not == nil as an interface value, and whose methods typically
// panic far from the option that let it in. It also reports a nil v. A nil
// map, slice or channel is not reported: methods on those work, as a
// subscriber that is a nil slice of subscribers does.
func Is(v any) bool {
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Func, reflect.UnsafePointer:
		return r.IsNil()
	}
	return v == nil
}
