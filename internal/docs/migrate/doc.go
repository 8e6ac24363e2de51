// Package migrate holds the code of the migration guides in internal/docs:
// each guide's snippets, the peer's and reflexio's side by side, are quoted
// from the tests of this package, which run both libraries on the same
// failures, on a fake clock, and check what the guides say about them: how
// many attempts each makes, how long it waits, and what error comes back.
//
// It is a module of its own so that the core module does not depend on the
// peers. TestGuidesQuoteTestedCode checks that every Go block of the guides is
// quoted from these tests.
package migrate
