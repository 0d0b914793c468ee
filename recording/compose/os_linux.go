//go:build linux

package compose

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memFile returns an anonymous file that lives in memory only.
func memFile(name string) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("compose: memfd: %w", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// bound lowers ffmpeg's priority and caps its address space. It runs right
// after the start; ffmpeg allocates its big buffers only once it runs.
func bound(pid int, opt Options) {
	_ = unix.Setpriority(unix.PRIO_PROCESS, pid, opt.Nice)
	lim := unix.Rlimit{Cur: opt.Memory, Max: opt.Memory}
	_ = unix.Prlimit(pid, unix.RLIMIT_AS, &lim, nil)
}
