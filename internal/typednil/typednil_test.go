package typednil_test

import (
	"errors"
	"testing"

	"github.com/reflexio-go/reflexio/internal/typednil"
)

type pointer struct{}

func (*pointer) Error() string { return "pointer" }

type fn func()

type value struct{}

func TestIs(t *testing.T) {
	var nilError error
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"nil", nil, true},
		{"nil interface value", nilError, true},
		{"typed nil pointer", (*pointer)(nil), true},
		{"typed nil pointer behind an interface", error((*pointer)(nil)), true},
		{"typed nil func", fn(nil), true},
		{"nil map: its methods work", map[string]int(nil), false},
		{"nil slice: its methods work", []int(nil), false},
		{"pointer", &pointer{}, false},
		{"func", fn(func() {}), false},
		{"struct value", value{}, false},
		{"int", 0, false},
		{"error value", errors.New("x"), false},
	}
	for _, tt := range tests {
		if got := typednil.Is(tt.v); got != tt.want {
			t.Errorf("Is(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
}
