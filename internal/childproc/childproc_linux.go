//go:build linux

package childproc

import "syscall"

// KillWithParent returns attributes that kill the child (SIGKILL) when the
// process that started it dies, so a crashed test leaves nothing running.
func KillWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// InNewNetNS is KillWithParent in a fresh network namespace (CLONE_NEWNET;
// needs root).
func InNewNetNS() (*syscall.SysProcAttr, error) {
	return &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}, nil
}
