//go:build !unix

package dgram

import "time"

// processCPU reports that the process's CPU time cannot be read here.
func processCPU() time.Duration { return -1 }
