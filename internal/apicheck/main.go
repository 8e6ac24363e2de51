// Command apicheck keeps the public API of the module's core packages from
// changing by accident. It compares the API of each package named on its
// command line with the record of it in its api directory, prints every
// change, and fails if one of them is incompatible: a name removed, a
// signature changed, a method added to an interface that users implement, as
// golang.org/x/exp/apidiff judges them.
//
// make api runs it, and make test runs make api. When a change is intended,
// record it:
//
//	make api UPDATE=1
//
// and commit the changed files of api/ with the change, so that the review
// sees the API change in the diff of the .txt listing.
//
// The record of a package is two files, named after the package's path in
// its module ("retry-retryhttp" for retry/retryhttp):
//
//   - NAME.export: the package's export data, as golang.org/x/tools's
//     gcexportdata writes it, without positions, so that it holds no file
//     name and does not change when code moves. This is what is compared.
//   - NAME.txt: the same API as text, one declaration a line, for people.
//     apicheck fails if it does not match the .export file beside it.
//
// apicheck is a module of its own so that the core module does not depend
// on golang.org/x/tools. It loads the packages with golang.org/x/tools's
// go/packages, from the export data the go command compiles, which takes a
// second or two once the build cache is warm.
//
// Usage, from this directory:
//
//	go run . [-update] [-root dir] [-record dir] package...
//
// where each package is a pattern relative to -root, such as ./retry.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

func main() {
	root := flag.String("root", "../..", "the directory of the module to check")
	record := flag.String("record", "api", "the directory of the record")
	update := flag.Bool("update", false, "record the current API instead of checking it")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: apicheck [-update] [-root dir] [-record dir] package...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}

	pkgs, err := load(*root, flag.Args())
	if err != nil {
		fmt.Fprintf(os.Stderr, "apicheck: %v\n", err)
		os.Exit(1)
	}
	if *update {
		err = write(os.Stdout, *record, pkgs)
	} else {
		err = check(os.Stdout, *record, pkgs)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "apicheck: %v\n", err)
		os.Exit(1)
	}
}

// A pkg is a package of the current API, with the name of its record.
type pkg struct {
	name  string // the record's file name without its extension
	types *types.Package
}

// load loads the packages that patterns match, in the module at root, from
// the export data the go command compiles for them.
func load(root string, patterns []string) ([]pkg, error) {
	cfg := &packages.Config{
		Dir:  root,
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedModule,
	}
	loaded, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var pkgs []pkg
	var errs []error
	for _, p := range loaded {
		for _, e := range p.Errors {
			errs = append(errs, e)
		}
		if p.Module == nil || p.Types == nil {
			errs = append(errs, fmt.Errorf("%s: not a package of a module", p.PkgPath))
			continue
		}
		pkgs = append(pkgs, pkg{name: recordName(p.Module.Path, p.PkgPath), types: p.Types})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(pkgs, func(a, b pkg) int { return strings.Compare(a.name, b.name) })
	return pkgs, nil
}

// recordName returns the name of the record of the package at pkgPath in
// the module at modPath: its path in the module, with dashes for slashes.
func recordName(modPath, pkgPath string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkgPath, modPath), "/")
	if rel == "" {
		return path.Base(modPath)
	}
	return strings.ReplaceAll(rel, "/", "-")
}

// errIncompatible is the error of a check that found an incompatible change.
var errIncompatible = errors.New("incompatible API change; if it is intended, record it with: make api UPDATE=1")

// check compares each package with its record, prints the changes to w,
// and returns errIncompatible if one is incompatible, or if a recorded
// package is gone.
func check(w io.Writer, dir string, pkgs []pkg) error {
	var incompatible, compatible int
	for _, p := range pkgs {
		old, err := read(dir, p.name, p.types.Path())
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(w, "%s: a new package, not recorded\n", p.types.Path())
			compatible++
			continue
		}
		if err != nil {
			return err
		}
		i, c := report(w, p.types.Path(), apidiff.Changes(old, p.types))
		incompatible += i
		compatible += c
	}
	gone, err := unlisted(dir, pkgs)
	if err != nil {
		return err
	}
	for _, name := range gone {
		fmt.Fprintf(w, "%s: recorded, but no longer checked (removed, or left out of make api)\n", filepath.Join(dir, name+".export"))
		incompatible++
	}

	switch {
	case incompatible > 0:
		return errIncompatible
	case compatible > 0:
		fmt.Fprintf(w, "api: compatible changes only; record them with: make api UPDATE=1\n")
	default:
		fmt.Fprintf(w, "api: %d packages match their record\n", len(pkgs))
	}
	return nil
}

// report prints the changes of one package and counts them.
func report(w io.Writer, pkgPath string, r apidiff.Report) (incompatible, compatible int) {
	for _, compat := range []bool{false, true} {
		var msgs []string
		for _, c := range r.Changes {
			if c.Compatible == compat {
				msgs = append(msgs, c.Message)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		kind := "incompatible"
		if compat {
			kind, compatible = "compatible", len(msgs)
		} else {
			incompatible = len(msgs)
		}
		fmt.Fprintf(w, "%s: %s changes:\n", pkgPath, kind)
		for _, m := range msgs {
			fmt.Fprintf(w, "\t%s\n", m)
		}
	}
	return incompatible, compatible
}

// write records the API of pkgs in dir, prints what changed, and removes
// the records of packages that pkgs does not hold.
func write(w io.Writer, dir string, pkgs []pkg) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range pkgs {
		if old, err := read(dir, p.name, p.types.Path()); err == nil {
			report(w, p.types.Path(), apidiff.Changes(old, p.types))
		}
		var export bytes.Buffer
		// A nil FileSet writes no positions: no file names, no line numbers.
		if err := gcexportdata.Write(&export, nil, p.types); err != nil {
			return fmt.Errorf("%s: %v", p.types.Path(), err)
		}
		if err := os.WriteFile(filepath.Join(dir, p.name+".export"), export.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, p.name+".txt"), []byte(listing(p.types)), 0o644); err != nil {
			return err
		}
	}
	gone, err := unlisted(dir, pkgs)
	if err != nil {
		return err
	}
	for _, name := range gone {
		for _, ext := range []string{".export", ".txt"} {
			if err := os.Remove(filepath.Join(dir, name+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		fmt.Fprintf(w, "%s: record removed\n", filepath.Join(dir, name+".export"))
	}
	fmt.Fprintf(w, "api: recorded %d packages in %s\n", len(pkgs), dir)
	return nil
}

// read returns the package recorded in dir under name, after checking that
// its listing matches it. The error matches fs.ErrNotExist if there is no
// record.
func read(dir, name, pkgPath string) (*types.Package, error) {
	file := filepath.Join(dir, name+".export")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	old, err := gcexportdata.Read(bytes.NewReader(data), token.NewFileSet(), make(map[string]*types.Package), pkgPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", file, err)
	}
	txt, err := os.ReadFile(filepath.Join(dir, name+".txt"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if string(txt) != listing(old) {
		return nil, fmt.Errorf("%s does not match %s: make api UPDATE=1 rewrites both", filepath.Join(dir, name+".txt"), file)
	}
	return old, nil
}

// unlisted returns the names of the records in dir of packages that pkgs
// does not hold.
func unlisted(dir string, pkgs []pkg) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.export"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".export")
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.name == name }) {
			names = append(names, name)
		}
	}
	return names, nil
}
