//go:build !linux

package compose

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// memFile fails where there is no memfd: a composed recording never falls
// back to a file on disk.
func memFile(name string) (*os.File, error) {
	return nil, fmt.Errorf("compose: %s: in-memory files (memfd) need Linux", name)
}

// bound lowers ffmpeg's priority; the address-space cap of another
// process (prlimit) is Linux-only.
func bound(pid int, opt Options) {
	_ = unix.Setpriority(unix.PRIO_PROCESS, pid, opt.Nice)
}
