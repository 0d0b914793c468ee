//go:build !linux

package childproc

import "syscall"

// KillWithParent returns no attributes: only Linux has a parent-death
// signal, so elsewhere the caller must stop its children itself.
func KillWithParent() *syscall.SysProcAttr { return nil }

// InNewNetNS fails: only Linux has network namespaces.
func InNewNetNS() (*syscall.SysProcAttr, error) { return nil, ErrNoNetNS }
