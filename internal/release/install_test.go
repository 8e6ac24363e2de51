package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

// TestInstall proves that the released modules can be installed by a
// program outside the repository, which ignores their replace directives,
// at the versions of modules.txt: it zips each released module of the
// working tree as the module proxy would serve it at its tag, lays the
// zips out as a module proxy in a directory, and for each nested module,
// from a new module, runs go get of it at its version and builds a program
// that uses every package of it and of the core.
//
// With -install.online=false it needs no network: the proxy of the go
// command is that directory, then the download cache of the machine's
// module cache (itself laid out as a proxy) for the third-party modules,
// then testdata/proxy, and nothing else; checksums come from the repository's go.sum files,
// GOSUMDB is off, and the HTTP proxy is a closed port on loopback, so that
// any attempt to reach the network fails the test. testdata/proxy holds
// the go.mod files, a few lines each, of old versions that go get reads
// to complete the module graph of a dependency older than Go 1.17, but
// that no build of the repository downloads, so that a module cache
// filled by make test lacks them; go.sum has their checksums. Without the
// flag, as make test runs it, the machine's own GOPROXY comes last, for
// the go.mod files of old third-party versions that a new machine's
// module cache lacks (and that testdata/proxy cannot list in advance: they
// depend on what the machine downloaded before): the released modules
// themselves still come from the directory alone, the first proxy.
//
// The modules go to a module cache of the test's own, never to the
// machine's: a zip of the working tree must never stand in for a
// published version there, nor an old zip for the working tree.
var online = flag.Bool("install.online", true, "let TestInstall fetch third-party go.mod files that the module cache lacks through the machine's GOPROXY; -install.online=false proves it works offline")

func TestInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the released modules with the go command")
	}
	root := filepath.Join("..", "..")
	mods, problems, err := readList("modules.txt")
	if err != nil || len(problems) > 0 {
		t.Fatalf("modules.txt: %v %v", err, problems)
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	copyTree(t, root, src)

	// Zip every released module and serve it from a proxy directory.
	proxy := filepath.Join(tmp, "proxy")
	var core module.Version
	var nested []module.Version
	imports := map[string][]string{} // module path to its packages
	var sums []byte
	for _, m := range mods {
		if !m.released() {
			continue
		}
		dir := filepath.Join(src, filepath.FromSlash(m.dir))
		gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		mv := module.Version{Path: modfile.ModulePath(gomod), Version: m.version}
		if m.dir == "." {
			core = mv
		} else {
			nested = append(nested, mv)
		}
		sums = append(sums, serve(t, proxy, mv, dir, gomod)...)
		imports[mv.Path] = packages(t, dir, mv.Path)
		if s, err := os.ReadFile(filepath.Join(dir, "go.sum")); err == nil {
			sums = append(sums, s...)
		}
	}

	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	proxies := []string{fileURL(proxy), fileURL(filepath.Join(strings.TrimSpace(string(cache)), "cache", "download")), fileURL(filepath.Join("testdata", "proxy"))}
	if *online {
		// Last, the machine's own proxy, for the go.mod files of old
		// third-party versions that a new machine's module cache lacks.
		machine, err := exec.Command("go", "env", "GOPROXY").Output()
		if err != nil {
			t.Fatal(err)
		}
		proxies = append(proxies, strings.TrimSpace(string(machine)))
	}
	env := append(os.Environ(),
		"GOPROXY="+strings.Join(proxies, ","),
		"GOMODCACHE="+filepath.Join(tmp, "modcache"),
		// -modcacherw lets t.TempDir remove the module cache; -trimpath
		// keeps the temporary directories out of the build cache's keys,
		// so that the machine's build cache serves the dependencies.
		"GOFLAGS=-mod=mod -modcacherw -trimpath",
		"GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=", "GONOPROXY=", "GOINSECURE=",
		"GOWORK=off", "GOTOOLCHAIN=local", "GOENV=off",
	)
	if !*online {
		// Any attempt to reach the network fails.
		env = append(env, "HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=")
	}
	// For each nested module, as a user would: a new module, go get of the
	// nested module at its version, and a program that uses its packages
	// and the core's. The core comes with the nested module, at the
	// version that it requires.
	for _, mv := range nested {
		t.Run(path.Base(mv.Path), func(t *testing.T) {
			consumer := t.TempDir()
			write(t, filepath.Join(consumer, "go.mod"), "module example.com/consumer\n\ngo 1.26.0\n")
			write(t, filepath.Join(consumer, "go.sum"), string(sums))
			write(t, filepath.Join(consumer, "main.go"), program(slices.Concat(imports[core.Path], imports[mv.Path])))
			goCmd := func(args ...string) string {
				t.Helper()
				cmd := exec.Command("go", args...)
				cmd.Dir = consumer
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			goCmd("get", mv.Path+"@"+mv.Version)
			goCmd("build", "-o", os.DevNull, ".")

			// The build list has both modules at their versions, from
			// the proxy, replaced by nothing.
			list := strings.Split(strings.TrimSpace(goCmd("list", "-m", "-f", "{{.Path}} {{.Version}} {{.Replace}}", core.Path, mv.Path)), "\n")
			want := []string{core.Path + " " + core.Version + " <nil>", mv.Path + " " + mv.Version + " <nil>"}
			if !slices.Equal(list, want) {
				t.Errorf("go list -m = %q; want %q", list, want)
			}
		})
	}
}

// serve lays out version mv of the module in dir as the module proxy
// protocol has it: $path/@v/list, and the .info, .mod and .zip of the
// version, the path escaped. It returns the go.sum lines of the version.
func serve(t *testing.T, proxy string, mv module.Version, dir string, gomod []byte) []byte {
	t.Helper()
	escaped, err := module.EscapePath(mv.Path)
	if err != nil {
		t.Fatal(err)
	}
	v := filepath.Join(proxy, filepath.FromSlash(escaped), "@v")
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{mv.Version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(v, "list"), mv.Version+"\n")
	write(t, filepath.Join(v, mv.Version+".info"), string(info))
	write(t, filepath.Join(v, mv.Version+".mod"), string(gomod))
	f, err := os.Create(filepath.Join(v, mv.Version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := zip.CreateFromDir(f, mv, dir); err != nil {
		t.Fatalf("zip of %s: %v", mv, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	zipHash, err := dirhash.HashZip(f.Name(), dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Appendf(nil, "%s %s %s\n%s %s/go.mod %s\n", mv.Path, mv.Version, zipHash, mv.Path, mv.Version, modHash)
}

// copyTree copies the files of the working tree that git knows or would
// know (tracked, or new and not ignored), as a release would have them
// once committed: build outputs and other ignored files stay out. Outside
// a git checkout it copies every file.
func copyTree(t *testing.T, root, dst string) {
	t.Helper()
	var files []string
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		files = strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	} else {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dst, filepath.FromSlash(name)), string(data))
	}
}

// packages returns the import path of every package of the module in dir
// that a program outside the repository can import, each with the name of
// one function it exports, if it has one that needs no type argument:
// "path" or "path F".
func packages(t *testing.T, dir, modPath string) []string {
	t.Helper()
	var pkgs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if p != dir {
			if name == "testdata" || name == "internal" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir // a module of its own
			}
		}
		bp, err := build.ImportDir(p, 0)
		if err != nil || bp.Name == "main" {
			return nil // no Go files, or a command
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		pkg := path.Join(modPath, filepath.ToSlash(rel))
		if f := exportedFunc(t, p, bp.GoFiles); f != "" {
			pkg += " " + f
		}
		pkgs = append(pkgs, pkg)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// exportedFunc returns the first, by name, of the exported functions of
// files that take no type parameter, or "".
func exportedFunc(t *testing.T, dir string, files []string) string {
	t.Helper()
	var funcs []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Type.TypeParams == nil && fd.Name.IsExported() {
				funcs = append(funcs, fd.Name.Name)
			}
		}
	}
	if len(funcs) == 0 {
		return ""
	}
	return slices.Min(funcs)
}

// program returns a main package that uses the packages, given as
// packages returns them.
func program(pkgs []string) string {
	var b bytes.Buffer
	b.WriteString("package main\n\nimport (\n")
	var uses []string
	for i, p := range pkgs {
		path, f, _ := strings.Cut(p, " ")
		if f == "" {
			fmt.Fprintf(&b, "\t_ %q\n", path)
			continue
		}
		fmt.Fprintf(&b, "\tp%d %q\n", i, path)
		uses = append(uses, fmt.Sprintf("p%d.%s", i, f))
	}
	b.WriteString(")\n\nfunc main() {\n")
	for _, u := range uses {
		fmt.Fprintf(&b, "\t_ = %s\n", u)
	}
	b.WriteString("}\n")
	return b.String()
}

func fileURL(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		panic(err)
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func write(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
