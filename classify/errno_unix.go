//go:build !windows && !plan9

package classify

import "syscall"

// brokenConnErrnos are the system errors of a connection that broke on the
// way, which a fresh connection may not meet.
var brokenConnErrnos = [...]error{
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.ETIMEDOUT,
	syscall.EHOSTUNREACH,
	syscall.ENETUNREACH,
}
