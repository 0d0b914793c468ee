// Package childproc holds the process attributes the tests and the
// benchmark start helper processes with, so that the Linux-only parts
// (parent-death signal, network namespaces) stay in one place and the rest
// of meetd builds on macOS and FreeBSD.
package childproc

import "errors"

// ErrNoNetNS marks a system without network namespaces.
var ErrNoNetNS = errors.New("network namespaces need Linux")
