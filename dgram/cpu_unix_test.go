//go:build unix

package dgram

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time, user and system, that this process has
// used, or -1 if it cannot tell.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
