// Package backoffhook lets package retry see inside the strategies that
// package backoff makes, where users must not, so that the loop draws no
// random number for a strategy that would not read it. Package backoff
// fills in the function when it is initialised; package retry calls it
// when a call's options are resolved, never per failure.
package backoffhook

// IgnoresRandom reports whether s is a strategy of package backoff whose
// delays never depend on Input.Random, such as Constant, Exponential, or a
// Cap or Floor of one of them. It reports false for every other value: a
// jittered strategy, a Func, a strategy of another package, nil. Set by
// package backoff.
var IgnoresRandom func(s any) bool
