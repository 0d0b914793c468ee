package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat.
const clockTick = 10 * time.Millisecond

// ProcSample is the CPU time and memory of one process at one moment.
type ProcSample struct {
	At  time.Time
	CPU time.Duration // utime + stime
	RSS int64         // bytes
}

// SampleProc reads /proc/PID/stat and /proc/PID/status.
func SampleProc(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrNoProcess, err)
	}
	if s.CPU, err = parseStatCPU(b); err != nil {
		return s, err
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrNoProcess, err)
	}
	s.RSS, err = parseRSS(st)
	return s, err
}

// parseStatCPU returns utime+stime (fields 14 and 15) of a stat line.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, ErrBadStat
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, ErrBadStat
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, ErrBadStat
	}
	return time.Duration(u+s) * clockTick, nil
}

// parseRSS returns VmRSS in bytes.
func parseRSS(b []byte) (int64, error) {
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				return 0, ErrBadStat
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, ErrBadStat
			}
			return kb * 1024, nil
		}
	}
	return 0, ErrBadStat
}

// SystemCPU returns the busy time of all CPUs from /proc/stat, to tell
// how much foreign load ran during a window.
func SystemCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, ErrBadStat
	}
	var busy int64
	for i, v := range f[1:8] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, ErrBadStat
		}
		busy += n
	}
	return time.Duration(busy) * clockTick, nil
}

// UDPDrops returns InErrors + RcvbufErrors of the UDP line of
// /proc/PID/net/snmp (the network namespace of pid): datagrams the kernel
// dropped because a socket buffer was full.
func UDPDrops(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/snmp", pid))
	if err != nil {
		return 0, err
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		var sum int64
		for i, n := range names {
			if (n == "InErrors" || n == "RcvbufErrors") && i < len(f) {
				v, _ := strconv.ParseInt(f[i], 10, 64)
				sum += v
			}
		}
		return sum, nil
	}
	return 0, ErrBadStat
}
