package main

import (
	"bytes"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// typecheck returns the package that src declares, at path example.com/p.
func typecheck(t *testing.T, src string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.Default()}
	p, err := conf.Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const v1 = `package p

import "time"

// Option is sealed: only this package implements it.
type Option interface {
	String() string
	apply()
}

type Strategy interface{ Delay(n int) time.Duration }

type Error struct {
	Reason error
	Attempts int
	last error
}

func (e *Error) Error() string { return "" }

const Max = 6

var ErrGone error

func Do(n int, opts ...Option) error { return nil }
func Keep() {}
`

// record writes the record of src in a new directory and returns it.
func record(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := write(&out, dir, []pkg{{name: "p", types: typecheck(t, src)}}); err != nil {
		t.Fatalf("write: %v", err)
	}
	return dir
}

func checkAgainst(t *testing.T, dir, src string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := check(&out, dir, []pkg{{name: "p", types: typecheck(t, src)}})
	return out.String(), err
}

func TestUnchangedAPIMatches(t *testing.T) {
	dir := record(t, v1)
	out, err := checkAgainst(t, dir, v1+"\nfunc internalHelper() {}\n")
	if err != nil {
		t.Fatalf("check = %v\n%s", err, out)
	}
	if out != "api: 1 packages match their record\n" {
		t.Errorf("check printed %q", out)
	}
}

func TestRecordHasNoPositions(t *testing.T) {
	dir := record(t, v1)
	data, err := os.ReadFile(filepath.Join(dir, "p.export"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("p.go")) {
		t.Errorf("the record holds a file name")
	}
}

func TestIncompatibleChangesFail(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"a func removed", "func Keep() {}\n", "", "Keep: removed"},
		{"a signature changed", "func Keep() {}\n", "func Keep(int) {}\n", "Keep: changed from func() to func(int)"},
		{"a method added to an open interface",
			"type Strategy interface{ Delay(n int) time.Duration }",
			"type Strategy interface{ Delay(n int) time.Duration; Reset() }",
			"Strategy.Reset: added"},
		{"a constant changed", "const Max = 6", "const Max = 7", "Max: value changed from 6 to 7"},
		{"a field removed", "\tReason error\n", "", "Error.Reason: removed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := record(t, v1)
			newSrc := strings.Replace(v1, tc.old, tc.new, 1)
			if newSrc == v1 {
				t.Fatalf("the test does not change the source")
			}
			out, err := checkAgainst(t, dir, newSrc)
			if !errors.Is(err, errIncompatible) {
				t.Errorf("check = %v; want errIncompatible\n%s", err, out)
			}
			if !strings.Contains(out, "example.com/p: incompatible changes:\n") || !strings.Contains(out, "\t"+tc.want+"\n") {
				t.Errorf("check printed\n%s\nwant it to report %q", out, tc.want)
			}
		})
	}
}

func TestCompatibleChangesPass(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"a func added", "func Keep() {}\n", "func Keep() {}\nfunc Added() {}\n", "Added: added"},
		{"a method added to a sealed interface",
			"\tString() string\n",
			"\tString() string\n\tKind() int\n",
			"Option.Kind: added"},
		{"a field added", "\tAttempts int\n", "\tAttempts int\n\tClass int\n", "Error.Class: added"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := record(t, v1)
			out, err := checkAgainst(t, dir, strings.Replace(v1, tc.old, tc.new, 1))
			if err != nil {
				t.Errorf("check = %v; want nil\n%s", err, out)
			}
			if !strings.Contains(out, "example.com/p: compatible changes:\n\t"+tc.want+"\n") ||
				!strings.Contains(out, "make api UPDATE=1") {
				t.Errorf("check printed\n%s\nwant it to report %q and how to record it", out, tc.want)
			}
		})
	}
}

func TestUpdateRecordsTheChange(t *testing.T) {
	dir := record(t, v1)
	v2 := strings.Replace(v1, "func Keep() {}\n", "", 1)
	var out bytes.Buffer
	if err := write(&out, dir, []pkg{{name: "p", types: typecheck(t, v2)}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\tKeep: removed\n") {
		t.Errorf("write printed\n%s\nwant it to say what it records", out.String())
	}
	if out, err := checkAgainst(t, dir, v2); err != nil {
		t.Errorf("check after write = %v\n%s", err, out)
	}
}

func TestEditedListingFails(t *testing.T) {
	dir := record(t, v1)
	txt := filepath.Join(dir, "p.txt")
	data, err := os.ReadFile(txt)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(txt, append(data, "func Invented()\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := checkAgainst(t, dir, v1); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("check = %v; want the listing to be found out\n%s", err, out)
	}
}

func TestRemovedPackageFails(t *testing.T) {
	dir := record(t, v1)
	var out bytes.Buffer
	err := check(&out, dir, []pkg{{name: "q", types: typecheck(t, v1)}})
	if !errors.Is(err, errIncompatible) {
		t.Errorf("check = %v; want errIncompatible", err)
	}
	if !strings.Contains(out.String(), "p.export: recorded, but no longer checked") ||
		!strings.Contains(out.String(), "example.com/p: a new package, not recorded") {
		t.Errorf("check printed\n%s", out.String())
	}
}

func TestListing(t *testing.T) {
	got := listing(typecheck(t, v1))
	want := `# The API of package example.com/p, recorded by internal/apicheck: do not edit.
func Do(n int, opts ...Option) error
var ErrGone error
type Error struct
type Error struct, Reason error
type Error struct, Attempts int
method (*Error) Error() string
func Keep()
const Max untyped int = 6
type Option interface
type Option interface, String() string
type Option interface, unexported methods
type Strategy interface
type Strategy interface, Delay(n int) time.Duration
`
	if got != want {
		t.Errorf("listing:\n%s\nwant:\n%s", got, want)
	}
}

func TestRecordName(t *testing.T) {
	for _, tc := range []struct{ mod, pkg, want string }{
		{"example.com/m", "example.com/m/retry", "retry"},
		{"example.com/m", "example.com/m/retry/retryhttp", "retry-retryhttp"},
		{"example.com/m", "example.com/m", "m"},
	} {
		if got := recordName(tc.mod, tc.pkg); got != tc.want {
			t.Errorf("recordName(%q, %q) = %q; want %q", tc.mod, tc.pkg, got, tc.want)
		}
	}
}
