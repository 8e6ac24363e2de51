package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestCheck runs the checker on the small repositories of testdata, each a
// txtar archive (the go command would take a go.mod of testdata for a
// module, and make test would test it). Each problem must contain one of
// want, in order, and there must be as many problems as wants.
func TestCheck(t *testing.T) {
	tests := []struct {
		fixture string
		tags    map[string]string
		want    []string
	}{
		{fixture: "ok"},
		{fixture: "ok", tags: map[string]string{"v0.1.0": "c1", "v0.2.0": "head", "sub/a/v0.2.0": "head"}},
		{
			fixture: "ok",
			tags:    map[string]string{"v0.2.0": "c1", "sub/a/v0.2.0": "c1", "internal/t/v0.2.0": "c1"},
			want: []string{
				".: tag v0.2.0 exists already, on commit c1: a published version never changes: raise the version in modules.txt",
				"sub/a: tag sub/a/v0.2.0 exists already",
			},
		},
		{
			fixture: "placeholder",
			want: []string{
				"sub/a/go.mod: requires example.com/repo v0.0.0-00010101000000-000000000000, want v0.2.0, its version in modules.txt",
				"sub/b/go.mod: requires example.com/repo v0.1.0, want v0.2.0",
				"sub/b/go.mod: requires example.com/repo/sub/a v0.0.0, want v0.2.0",
			},
		},
		{
			fixture: "unlisted",
			want: []string{
				"sub/a: a module that modules.txt does not list",
				"modules.txt:2: sub/gone has no go.mod",
			},
		},
		{
			fixture: "badlist",
			want: []string{
				`modules.txt:2: sub/a: version "0.2.0" is not a canonical semantic version such as v0.1.0`,
				`modules.txt:3: sub/b: version "v0.2" is not a canonical semantic version`,
				`modules.txt:4: want a directory and a version, got "sub/c   v0.2.0 extra"`,
				`modules.txt:5: directory "sub/d/../d": want a clean slash-separated path inside the repository, such as "sub/d"`,
				"modules.txt:6: . is listed already, on line 1",
			},
		},
		{
			fixture: "notop",
			want:    []string{"modules.txt: the module at the top of the repository must be listed with a version"},
		},
		{
			fixture: "path",
			want: []string{
				"go.mod: version v2.0.0 does not fit module path example.com/repo",
				"sub/a/go.mod: module path example.com/repo/a, want example.com/repo/sub/a: the go command finds the module in directory sub/a by its path",
			},
		},
		{
			fixture: "replace",
			want: []string{
				"sub/a/go.mod: no replace of example.com/repo by its directory (=> ../..)",
				"sub/b/go.mod: no replace of example.com/repo by its directory (=> ../..)",
				"sub/c/go.mod: replaces example.com/other, which is outside the repository",
			},
		},
		{
			fixture: "internaldep",
			want:    []string{"go.mod: requires example.com/repo/internal/t, which is never released"},
		},
		{
			fixture: "badgomod",
			want:    []string{"sub/a/go.mod:3: usage: require module/path v1.2.3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			root := extract(t, filepath.Join("testdata", tt.fixture+".txtar"))
			head := ""
			if tt.tags != nil {
				head = "head"
			}
			got, err := check(root, filepath.Join(root, "modules.txt"), tt.tags, head)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("check(%s) = %d problems:\n%s\nwant %d:\n%s", tt.fixture, len(got), strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("check(%s) problem %d = %q; want it to contain %q", tt.fixture, i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRepository runs the checker on this repository, without its tags:
// the versions file and the go.mod files must agree at every commit, not
// only when a release is cut.
func TestRepository(t *testing.T) {
	problems, err := check(filepath.Join("..", ".."), "modules.txt", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestTagName(t *testing.T) {
	tests := []struct{ dir, version, want string }{
		{".", "v0.2.0", "v0.2.0"},
		{"retry/retrypg", "v0.2.0", "retry/retrypg/v0.2.0"},
		{"observe/otelobserve", "v1.0.0-rc.1", "observe/otelobserve/v1.0.0-rc.1"},
	}
	for _, tt := range tests {
		if got := tagName(tt.dir, tt.version); got != tt.want {
			t.Errorf("tagName(%q, %q) = %q; want %q", tt.dir, tt.version, got, tt.want)
		}
	}
}

// extract writes the files of a txtar archive into a new directory.
func extract(t *testing.T, archive string) string {
	t.Helper()
	a, err := txtar.ParseFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, f := range a.Files {
		name := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
