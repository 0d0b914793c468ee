package main

import "errors"

var (
	// ErrUsage marks bad command-line arguments.
	ErrUsage = errors.New("usage")

	// ErrStopped marks a part that stopped while meetd was meant to run.
	ErrStopped = errors.New("stopped unexpectedly")

	// ErrShutdownTimeout marks a graceful stop that did not finish within
	// shutdownBound.
	ErrShutdownTimeout = errors.New("graceful stop did not finish in time")
)

// ErrEnvFile marks a docker-jitsi-meet .env file meetd cannot read.
var ErrEnvFile = errors.New("bad .env file")

// Errors of `meetd bridge`'s secret and certificate files.
var (
	errEmptySecret    = errors.New("the first line is empty")
	errNoCertificates = errors.New("no PEM certificate found")
)
