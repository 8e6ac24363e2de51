package retrygrpc

import (
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestHedgeable(t *testing.T) {
	b := []byte("abc")
	tests := []struct {
		name  string
		reply any
		want  bool
	}{
		{"a message", wrapperspb.String("x"), true},
		{"a message of the first API", &legacy{}, true},
		{"a nil message", (*wrapperspb.StringValue)(nil), false},
		{"a nil message of the first API", (*legacy)(nil), false},
		{"bytes", &b, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		m, ok := hedgeable(tt.reply)
		if ok != tt.want {
			t.Errorf("hedgeable(%s) = %v; want %v", tt.name, ok, tt.want)
		}
		if ok {
			if typ := m.ProtoReflect().Type(); typ.New().Interface() == nil {
				t.Errorf("hedgeable(%s): its type makes no new message", tt.name)
			}
		}
	}
}
