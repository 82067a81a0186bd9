//go:build !unix && !windows

package main

import (
	"errors"
	"runtime"
	"time"
)

// processCPU would return this process's CPU time: this system has no call
// the demo knows for it.
func processCPU() (time.Duration, error) {
	return 0, errors.New("no process CPU time on " + runtime.GOOS)
}
