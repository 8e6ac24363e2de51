// Package recipes holds the code of the recipes in internal/docs/recipes.md,
// as tests: each recipe is written out in a test file of this package, and
// the tests run it against fakes, on a fake clock, and check that it does
// what the recipe says. The guide quotes the test files, and a test of
// package internal/docs checks that every quote is still there.
//
// Nothing here is meant to be imported.
package recipes
