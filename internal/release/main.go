// Command release checks that the modules of the repository are ready to
// be tagged at the versions that modules.txt lists: that the list names
// every module, that every module requires the others of the repository at
// exactly their listed versions (and replaces them by their directories,
// for development), that each module's path fits its tag, and that no tag
// of the release exists already on another commit. It prints the tags to
// push, or the problems, and exits 1 on a problem. make release-check runs
// it; RELEASING.md, at the top of the repository, says how to cut a
// release.
//
// Its tests also prove that the released modules can be installed: they
// serve the working tree's modules, zipped as a release would be, from a
// module proxy in a directory, and build a program that uses them.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	root := flag.String("root", "../..", "the top of the repository")
	list := flag.String("modules", "modules.txt", "the versions file")
	flag.Parse()

	tags, head, err := gitTags(*root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "release-check: %v\n", err)
		os.Exit(1)
	}
	problems, err := check(*root, *list, tags, head)
	if err != nil {
		fmt.Fprintf(os.Stderr, "release-check: %v\n", err)
		os.Exit(1)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "release-check: %s\n", p)
		}
		fmt.Fprintln(os.Stderr, "release-check: not ready: fix the above before tagging")
		os.Exit(1)
	}
	mods, _, err := readList(*list)
	if err != nil {
		fmt.Fprintf(os.Stderr, "release-check: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("release-check: ok: the tags of the release, for commit %.12s:\n", head)
	for _, m := range mods {
		if m.released() {
			fmt.Printf("  %s\n", tagName(m.dir, m.version))
		}
	}
}

// gitTags returns the repository's tags, each with the commit it marks,
// and the current commit.
func gitTags(root string) (map[string]string, string, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"-C", filepath.Clean(root)}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
		}
		return string(out), nil
	}
	head, err := git("rev-parse", "HEAD")
	if err != nil {
		return nil, "", err
	}
	// %(*objectname) is the commit of an annotated tag, empty for a
	// lightweight one, whose %(objectname) is the commit.
	out, err := git("for-each-ref", "--format=%(refname:strip=2) %(objectname) %(*objectname)", "refs/tags")
	if err != nil {
		return nil, "", err
	}
	tags := map[string]string{}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		tags[f[0]] = f[len(f)-1]
	}
	return tags, strings.TrimSpace(head), nil
}
