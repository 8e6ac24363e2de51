// Package chaos holds tests that measure the retry loop's integrations
// against real servers on loopback behind fault-injecting proxies: what a
// default costs when the network, not the server, misbehaves.
package chaos
