package load

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat: USER_HZ, which
// Linux fixes at 100 for the /proc interface whatever the kernel's HZ.
const clockTick = 10 * time.Millisecond

// ProcCPU returns the CPU time (user + system, every thread) that process
// pid has used, from /proc/PID/stat. Its resolution is 10 ms, so a measured
// window should be seconds long.
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStat(b)
}

// parseStat reads utime and stime, fields 14 and 15 of /proc/PID/stat (see
// proc(5)). Field 2, the command name, is in parentheses and may itself hold
// spaces and parentheses, so fields are counted from the last ')'.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, errors.New("/proc stat: too few fields")
	}
	var ticks uint64
	for _, s := range f[11:13] {
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// ProcRSS returns the resident memory of process pid in bytes, from
// /proc/PID/statm.
func ProcRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, err
	}
	return parseStatm(b, os.Getpagesize())
}

// parseStatm reads field 2 of /proc/PID/statm, the resident pages.
func parseStatm(b []byte, pageSize int) (int64, error) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, errors.New("/proc statm: too few fields")
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc statm: %w", err)
	}
	return n * int64(pageSize), nil
}

// SystemCPU returns the CPU time that the whole machine has spent busy: the
// user, nice, system, irq and softirq times of /proc/stat's first line (not
// idle, iowait or steal). Less the server's and the client's, what is left
// is the kernel's network work that no process is charged for, and other
// processes: how much a run on a shared machine was disturbed.
func SystemCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseSystemStat(b)
}

func parseSystemStat(b []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 8 || string(f[0]) != "cpu" {
		return 0, errors.New("/proc/stat: no cpu line")
	}
	var ticks uint64
	for _, s := range [][]byte{f[1], f[2], f[3], f[6], f[7]} {
		n, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// ProcIO returns the read and write system calls process pid has made, from
// the syscr and syscw lines of /proc/PID/io (read, readv, recvfrom, ... and
// write, writev, sendto, ...): how well a server batches its I/O.
func ProcIO(pid int) (reads, writes int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, 0, err
	}
	return parseIO(b)
}

func parseIO(b []byte) (reads, writes int64, err error) {
	reads, writes = -1, -1
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(k) {
		case "syscr":
			dst = &reads
		case "syscw":
			dst = &writes
		default:
			continue
		}
		if *dst, err = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc io: %w", err)
		}
	}
	if reads < 0 || writes < 0 {
		return 0, 0, errors.New("/proc io: no syscr or syscw")
	}
	return reads, writes, nil
}
