//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package sqlstore

import "syscall"

// writable reports whether this process may write path (a file, or a
// directory: create files in it), as access(2) says, without opening it:
// closing any descriptor of a database file would drop the locks SQLite
// holds on it in this process.
func writable(path string) bool {
	const wOK = 2
	return syscall.Access(path, wOK) == nil
}
