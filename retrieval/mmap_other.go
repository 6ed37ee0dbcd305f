//go:build !unix

package retrieval

import (
	"errors"
	"os"
)

// mapFile is not available here: segments are read into memory.
func mapFile(*os.File, int) ([]byte, error) { return nil, errors.ErrUnsupported }

// unmap is never called here.
func unmap([]byte) {}
