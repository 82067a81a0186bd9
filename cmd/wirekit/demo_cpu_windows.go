package main

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time, user and kernel, that this process has
// used so far, all its threads together.
func processCPU() (time.Duration, error) {
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0, err
	}
	var created, exited, kernel, user syscall.Filetime
	if err := syscall.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, err
	}
	return hundredNanos(kernel) + hundredNanos(user), nil
}

// hundredNanos reads a Filetime that holds a duration, in its unit of 100 ns.
func hundredNanos(f syscall.Filetime) time.Duration {
	return time.Duration(int64(f.HighDateTime)<<32|int64(f.LowDateTime)) * 100
}
