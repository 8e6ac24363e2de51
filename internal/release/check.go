package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// A listed is one line of the versions file: a module's directory and the
// version of its next release.
type listed struct {
	dir     string // slash-separated, from the top of the repository; "." for the top
	version string // "" for a module that is never released
	line    int
}

func (m listed) released() bool { return m.version != "" }

// tagName returns the tag that marks version v of the module in dir: the
// go command looks for a nested module's versions under tags prefixed with
// its directory.
func tagName(dir, v string) string {
	if dir == "." {
		return v
	}
	return dir + "/" + v
}

// readList reads the versions file. Its lines are "directory version", the
// version "-" for a module that is never released; # starts a comment.
func readList(name string) ([]listed, []string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	base := filepath.Base(name)
	var mods []listed
	var problems []string
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			problems = append(problems, fmt.Sprintf("%s:%d: want a directory and a version, got %q", base, n, strings.TrimSpace(line)))
			continue
		}
		m := listed{dir: fields[0], version: fields[1], line: n}
		if m.version == "-" {
			m.version = ""
		}
		if clean := path.Clean(m.dir); clean != m.dir || path.IsAbs(m.dir) || strings.HasPrefix(m.dir, "../") || m.dir == ".." {
			problems = append(problems, fmt.Sprintf("%s:%d: directory %q: want a clean slash-separated path inside the repository, such as %q", base, n, m.dir, clean))
			continue
		}
		if m.released() && (!semver.IsValid(m.version) || semver.Canonical(m.version) != m.version) {
			problems = append(problems, fmt.Sprintf("%s:%d: %s: version %q is not a canonical semantic version such as v0.1.0", base, n, m.dir, m.version))
			continue
		}
		if prev, ok := seen[m.dir]; ok {
			problems = append(problems, fmt.Sprintf("%s:%d: %s is listed already, on line %d", base, n, m.dir, prev))
			continue
		}
		seen[m.dir] = n
		mods = append(mods, m)
	}
	return mods, problems, sc.Err()
}

// findModules returns the directory of every go.mod under root, slash-
// separated, skipping what the go command skips: testdata, vendor, and
// directories whose names begin with a dot or an underscore.
func findModules(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root {
			name := d.Name()
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
		}
		if d.IsDir() || d.Name() != "go.mod" {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		dirs = append(dirs, filepath.ToSlash(rel))
		return nil
	})
	return dirs, err
}

// check compares the versions file list with the go.mod of every module
// under root, and, when tags is not nil, with the tags of the repository
// (name to commit) and the commit head about to be tagged. It returns the
// problems it found, one sentence each: none means the modules are ready
// to be tagged.
func check(root, list string, tags map[string]string, head string) ([]string, error) {
	base := filepath.Base(list)
	mods, problems, err := readList(list)
	if err != nil {
		return nil, err
	}
	found, err := findModules(root)
	if err != nil {
		return nil, err
	}
	byDir := map[string]listed{}
	for _, m := range mods {
		byDir[m.dir] = m
	}
	for _, dir := range found {
		if _, ok := byDir[dir]; !ok {
			problems = append(problems, fmt.Sprintf("%s: a module that %s does not list", dir, base))
		}
	}

	// Read every listed module's go.mod, the top one first: its path is
	// the prefix of the others'.
	top, ok := byDir["."]
	if !ok || !top.released() {
		problems = append(problems, fmt.Sprintf("%s: the module at the top of the repository must be listed with a version", base))
		return problems, nil
	}
	files := map[string]*modfile.File{}
	byPath := map[string]listed{}
	for _, m := range mods {
		if !slices.Contains(found, m.dir) {
			problems = append(problems, fmt.Sprintf("%s:%d: %s has no go.mod", base, m.line, m.dir))
			continue
		}
		name := path.Join(m.dir, "go.mod")
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(name, data, nil)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if f.Module == nil {
			problems = append(problems, fmt.Sprintf("%s: no module line", name))
			continue
		}
		files[m.dir] = f
		byPath[f.Module.Mod.Path] = m
	}
	topFile, ok := files["."]
	if !ok {
		return problems, nil
	}
	repoPath, _, _ := module.SplitPathVersion(topFile.Module.Mod.Path)

	for _, m := range mods {
		f, ok := files[m.dir]
		if !ok {
			continue
		}
		name := path.Join(m.dir, "go.mod")
		problems = append(problems, checkPath(name, m, f.Module.Mod.Path, repoPath)...)
		for _, r := range f.Require {
			dep, ok := byPath[r.Mod.Path]
			if !ok {
				continue
			}
			switch {
			case m.released() && !dep.released():
				problems = append(problems, fmt.Sprintf("%s: requires %s, which is never released: nobody could build the module", name, r.Mod.Path))
			case dep.released() && r.Mod.Version != dep.version:
				problems = append(problems, fmt.Sprintf("%s: requires %s %s, want %s, its version in %s", name, r.Mod.Path, r.Mod.Version, dep.version, base))
			}
			if !replacedBy(f, r.Mod.Path, m.dir, dep.dir) {
				rel, _ := filepath.Rel(filepath.FromSlash(m.dir), filepath.FromSlash(dep.dir))
				problems = append(problems, fmt.Sprintf("%s: no replace of %s by its directory (=> %s): the module would be built and tested with a published version, not with the working tree", name, r.Mod.Path, filepath.ToSlash(rel)))
			}
		}
		if m.released() {
			for _, r := range f.Replace {
				if _, ok := byPath[r.Old.Path]; !ok {
					problems = append(problems, fmt.Sprintf("%s: replaces %s, which is outside the repository: its users ignore a replace, so they would build it with other code than its tests did", name, r.Old.Path))
				}
			}
		}
		if m.released() && tags != nil {
			tag := tagName(m.dir, m.version)
			if commit, ok := tags[tag]; ok && commit != head {
				problems = append(problems, fmt.Sprintf("%s: tag %s exists already, on commit %.12s: a published version never changes: raise the version in %s", m.dir, tag, commit, base))
			}
		}
	}
	return problems, nil
}

// checkPath reports a module whose path would not be found at its tag: the
// go command looks for version v of the module in directory dir under the
// tag dir/v, and takes the path of the module there to be the repository's
// path, then dir, then the /vN suffix of a major version from 2 on.
func checkPath(name string, m listed, modPath, repoPath string) []string {
	prefix, pathMajor, ok := module.SplitPathVersion(modPath)
	if !ok {
		return []string{fmt.Sprintf("%s: module path %s is not valid", name, modPath)}
	}
	want := repoPath
	if m.dir != "." {
		want = repoPath + "/" + m.dir
	}
	var problems []string
	if prefix != want {
		problems = append(problems, fmt.Sprintf("%s: module path %s, want %s%s: the go command finds the module in directory %s by its path", name, modPath, want, pathMajor, m.dir))
	}
	if m.released() {
		if err := module.CheckPathMajor(m.version, pathMajor); err != nil {
			problems = append(problems, fmt.Sprintf("%s: version %s does not fit module path %s: a version from v2 on needs the suffix /v2 and so on, v0 and v1 none", name, m.version, modPath))
		}
	}
	return problems
}

// replacedBy reports whether f replaces the module at modPath by the
// directory dep, a path relative to that of f's module, dir.
func replacedBy(f *modfile.File, modPath, dir, dep string) bool {
	for _, r := range f.Replace {
		if r.Old.Path != modPath || r.New.Version != "" || !modfile.IsDirectoryPath(r.New.Path) {
			continue
		}
		if path.Join(dir, filepath.ToSlash(r.New.Path)) == dep {
			return true
		}
	}
	return false
}
