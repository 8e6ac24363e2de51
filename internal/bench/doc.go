// Package bench compares the cost of reflexio's retry loop with its peers'
// and with a hand-written loop, on the same scenarios. It is a module of its
// own so that the peers never become dependencies of the core module; it has
// no code but its tests and benchmarks. README.md says how each library is
// configured and how to run it all.
package bench
