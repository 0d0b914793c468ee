// Package meetdtest builds and runs meetd as a separate process for the
// tests (e2e, interop, the load tool's tests) and the benchmark tool: it
// builds ./cmd/meetd once per test process, writes a config with free
// ports, starts the binary, waits until it serves, keeps its output, and
// stops it with SIGTERM, checking the exit status.
//
// Process is also the benchmark's runner for the other servers it measures
// (any command: output kept, SIGTERM then SIGKILL).
package meetdtest
