//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package bot

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// dirLocked is true where the lock file excludes other processes, and
// other opens of it in this process: flock locks belong to the open file.
const dirLocked = true

// tryLock takes the exclusive flock of f without waiting, and reports
// false when another holds it.
func tryLock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case !errors.Is(err, unix.EINTR):
			return false, err
		}
	}
}
