package retrygrpc

import (
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestIdempotentIn reads idempotency levels from a registry of the test's
// own, with a service of each level and a message that is not a service.
func TestIdempotentIn(t *testing.T) {
	method := func(name string, level *descriptorpb.MethodOptions_IdempotencyLevel) *descriptorpb.MethodDescriptorProto {
		m := &descriptorpb.MethodDescriptorProto{Name: proto.String(name), InputType: proto.String(".t.M"), OutputType: proto.String(".t.M")}
		if level != nil {
			m.Options = &descriptorpb.MethodOptions{IdempotencyLevel: level}
		}
		return m
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:        proto.String("t.proto"),
		Package:     proto.String("t"),
		Syntax:      proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("M")}},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("S"),
			Method: []*descriptorpb.MethodDescriptorProto{
				method("Idempotent", descriptorpb.MethodOptions_IDEMPOTENT.Enum()),
				method("NoSideEffects", descriptorpb.MethodOptions_NO_SIDE_EFFECTS.Enum()),
				method("Unknown", descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN.Enum()),
				method("NoOptions", nil),
				func() *descriptorpb.MethodDescriptorProto {
					m := method("OtherOptions", nil)
					m.Options = &descriptorpb.MethodOptions{Deprecated: proto.Bool(true)}
					return m
				}(),
			},
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	files := new(protoregistry.Files)
	if err := files.RegisterFile(fd); err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"/t.S/Idempotent":    true,
		"/t.S/NoSideEffects": true,
		"/t.S/Unknown":       false,
		"/t.S/NoOptions":     false,
		"/t.S/OtherOptions":  false,
		"/t.S/Missing":       false,
		"/t.M/Idempotent":    false, // a message, not a service
		"/t.X/Idempotent":    false,
		"t.S/Idempotent":     false, // not a full method name
		"/t.S":               false,
		"/t.S/":              false,
		"//Idempotent":       false,
		"":                   false,
	}
	for m, want := range tests {
		if got := idempotentIn(files, m); got != want {
			t.Errorf("idempotentIn(%q) = %v; want %v", m, got, want)
		}
	}
}

// TestIsIdempotentKeepsAtMostMaxLevels makes up more method names than
// IsIdempotent keeps.
func TestIsIdempotentKeepsAtMostMaxLevels(t *testing.T) {
	for n := range maxLevels + 10 {
		if IsIdempotent("/made.Up/M" + strconv.Itoa(n)) {
			t.Fatalf("IsIdempotent of a made-up method = true")
		}
	}
	kept := 0
	levels.Range(func(any, any) bool { kept++; return true })
	if kept > maxLevels || int(levelsLen.Load()) != kept {
		t.Errorf("kept %d answers, counted %d; want at most %d", kept, levelsLen.Load(), maxLevels)
	}
}
