//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package bot

import "os"

// dirLocked is false where there is no flock: writers are excluded only
// within one process (kb.writing), so only one process may write a data
// directory.
const dirLocked = false

// tryLock takes the lock of f: without flock, there is none to take.
func tryLock(*os.File) (bool, error) { return true, nil }
