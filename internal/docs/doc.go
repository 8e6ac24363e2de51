// Package docs holds the guides of the module, in markdown: how to migrate
// from other retry libraries, and recipes. It has no code, only tests. One
// checks that every block of Go in the guides is quoted from a test of the
// repository, so that the guides show only code that compiles and runs:
// the migration guides quote the tests of internal/docs/migrate, a module of
// its own that runs each peer and reflexio side by side, and the recipes
// quote those of internal/recipes. Another checks that the lists in the
// package documentation and the README (the reasons a call gives up, the
// events, the options) name exactly what the packages export.
package docs
