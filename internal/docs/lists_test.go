package docs

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDocListsMatchAPI keeps the lists of the package docs and of the
// README in step with the exported API: the sentinel errors that say why a
// call gave up, the event types, and the options. Each list is the text
// between two markers; the names in it must be exactly the names that the
// API exports, neither fewer nor more.
func TestDocListsMatchAPI(t *testing.T) {
	root := filepath.Join("..", "..")
	retry := exported(t, filepath.Join(root, "retry"))
	observe := exported(t, filepath.Join(root, "observe"))

	// The reasons are the sentinels but ErrInvalidOption, which ends a call
	// before any attempt, with an error that is not an *Error, and
	// ErrRejected, which says what the last attempt did, not why the call
	// stopped.
	var reasons []string
	for _, name := range retry.errs {
		if name != "ErrInvalidOption" && name != "ErrRejected" {
			reasons = append(reasons, name)
		}
	}

	tests := []struct {
		name       string
		file       string
		start, end string // the list is between them
		item       string // a regexp of one item, its first group the name
		want       []string
	}{
		{"reasons in retry's doc", "retry/doc.go", "one sentinel per", "the number of", `\[(Err\w+)\]`, reasons},
		{"reasons in the README", "README.md", "Reasons:", "The error also carries", "`(Err\\w+)`", reasons},
		{"events in observe's doc", "observe/doc.go", "Each thing the loop does is an", "Every event carries", `\[(\w+)\]`, append([]string{"Event"}, observe.events...)},
		{"events in the Event type's doc", "observe/event.go", "An Event is something the retry loop did:", "The set is", `\b([A-Z]\w+)\b`, observe.events},
		{"events in the README", "README.md", "`retry.Subscribe` adds subscribers", "Each carries", "`(\\w+)`", observe.events},
		{"limits in the README's table", "README.md", "| option | what it bounds | default |", "`Do` never starts", "\\| `(\\w+)\\(", retry.limits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := list(t, filepath.Join(root, tt.file), tt.start, tt.end, tt.item)
			if missing, extra := diff(tt.want, got); len(missing)+len(extra) > 0 {
				t.Errorf("%s, the list after %q: missing %q, not exported %q", tt.file, tt.start, missing, extra)
			}
		})
	}

	t.Run("every event type has its kind", func(t *testing.T) {
		var want []string
		for _, e := range observe.events {
			want = append(want, "Kind"+e)
		}
		if missing, extra := diff(want, observe.kinds); len(missing)+len(extra) > 0 {
			t.Errorf("observe: kinds missing %q, kinds without an event type %q", missing, extra)
		}
	})

	t.Run("every option in the README", func(t *testing.T) {
		readme, err := os.ReadFile(filepath.Join(root, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range retry.options {
			if !regexp.MustCompile(`\b` + o + `\(`).Match(readme) {
				t.Errorf("README.md names no option %s(…)", o)
			}
		}
	})
}

// api is what a package exports, of what the docs list.
type api struct {
	errs    []string // error variables, Err...
	events  []string // types with a Kind method: the events
	kinds   []string // constants Kind...
	options []string // functions that return an Option
	limits  []string // options that bound the call: of an int or a time.Duration, and NoDeadline
}

// exported reads the exported names of the package in dir from its
// sources, as built for this platform, tests left out.
func exported(t *testing.T, dir string) api {
	t.Helper()
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	var a api
	fset := token.NewFileSet()
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					vs, ok := s.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for _, n := range vs.Names {
						switch {
						case d.Tok == token.VAR && strings.HasPrefix(n.Name, "Err") && n.IsExported():
							a.errs = append(a.errs, n.Name)
						case d.Tok == token.CONST && strings.HasPrefix(n.Name, "Kind") && n.IsExported():
							a.kinds = append(a.kinds, n.Name)
						}
					}
				}
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					if d.Name.Name == "Kind" {
						if id, ok := d.Recv.List[0].Type.(*ast.Ident); ok && id.IsExported() {
							a.events = append(a.events, id.Name)
						}
					}
					continue
				}
				res := d.Type.Results
				if res == nil || len(res.List) != 1 || !isIdent(res.List[0].Type, "Option") {
					continue
				}
				a.options = append(a.options, d.Name.Name)
				// A limit takes a count or a time, and no function: Poll,
				// which takes times beside its func, is a bundle.
				limit := d.Name.Name == "NoDeadline"
				for _, p := range d.Type.Params.List {
					if isIdent(p.Type, "int") || types(p.Type) == "time.Duration" {
						limit = true
					}
				}
				for _, p := range d.Type.Params.List {
					if _, fn := p.Type.(*ast.FuncType); fn {
						limit = false
					}
				}
				if limit {
					a.limits = append(a.limits, d.Name.Name)
				}
			}
		}
	}
	return a
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func types(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok {
		if x, ok := s.X.(*ast.Ident); ok {
			return x.Name + "." + s.Sel.Name
		}
	}
	return ""
}

// list returns the names that match item in file between the first start
// and the first end after it, comment markers aside, where any run of
// spaces and line breaks counts as one space.
func list(t *testing.T, file, start, end, item string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if strings.HasSuffix(file, ".go") {
		text = strings.ReplaceAll(text, "\n//", "\n")
	}
	text = strings.Join(strings.Fields(text), " ")
	start = strings.Join(strings.Fields(start), " ")
	end = strings.Join(strings.Fields(end), " ")
	_, after, ok := strings.Cut(text, start)
	if !ok {
		t.Fatalf("%s: no %q: the list's start moved", file, start)
	}
	body, _, ok := strings.Cut(after, end)
	if !ok {
		t.Fatalf("%s: no %q after %q: the list's end moved", file, end, start)
	}
	var names []string
	for _, m := range regexp.MustCompile(item).FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	return names
}

// diff returns the names of want missing from got, and those of got not in
// want.
func diff(want, got []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}
