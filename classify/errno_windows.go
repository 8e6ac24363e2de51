package classify

import "syscall"

// brokenConnErrnos are the system errors of a connection that broke on the
// way, which a fresh connection may not meet. Windows's network stack
// reports Winsock and Windows codes, not the values the syscall package
// invents for ECONNRESET and friends; both are listed.
var brokenConnErrnos = [...]error{
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.ETIMEDOUT,
	syscall.EHOSTUNREACH,
	syscall.ENETUNREACH,
	syscall.WSAECONNRESET,
	syscall.WSAECONNABORTED,
	syscall.ERROR_NETNAME_DELETED, // a reset seen on an overlapped read
	syscall.Errno(10051),          // WSAENETUNREACH
	syscall.Errno(10052),          // WSAENETRESET
	syscall.Errno(10060),          // WSAETIMEDOUT
	syscall.Errno(10061),          // WSAECONNREFUSED
	syscall.Errno(10065),          // WSAEHOSTUNREACH
	syscall.Errno(1225),           // ERROR_CONNECTION_REFUSED
	syscall.Errno(1236),           // ERROR_CONNECTION_ABORTED
}
