package docs

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGuidesQuoteTestedCode checks that every ```go block of the guides in
// this directory appears, line for line (indentation aside), in a _test.go
// file of the repository. Blocks that are not code to run are fenced as
// something else, such as ```text.
func TestGuidesQuoteTestedCode(t *testing.T) {
	var tests [][]string // the lines of every _test.go file, trimmed
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tests = append(tests, trimmed(string(data)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	guides, err := filepath.Glob("*.md")
	if err != nil || len(guides) == 0 {
		t.Fatalf("no guides: %v", err)
	}
	for _, guide := range guides {
		data, err := os.ReadFile(guide)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range goBlocks(string(data)) {
			if !quoted(trimmed(b.text), tests) {
				t.Errorf("%s:%d: this block of Go is in no test of the repository:\n%s", guide, b.line, b.text)
			}
		}
	}
}

type block struct {
	line int // of the opening fence
	text string
}

// goBlocks returns the ```go blocks of a markdown document, wherever they
// are, in a table cell as well.
func goBlocks(doc string) []block {
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(strings.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case cur == nil && line == "```go":
			cur = &block{line: n}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += sc.Text() + "\n"
		}
	}
	return blocks
}

// trimmed returns the lines of s without their leading and trailing space.
func trimmed(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}

// quoted reports whether the lines of a block appear in a row in one of
// files.
func quoted(b []string, files [][]string) bool {
	for _, f := range files {
		for i := 0; i+len(b) <= len(f); i++ {
			if slices.Equal(f[i:i+len(b)], b) {
				return true
			}
		}
	}
	return false
}
