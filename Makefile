# make bench: the side-by-side benchmark (meetd, Janus, minimal forwarder), report in bench/results/.
# make soak:  the 10-minute soak of meetd (RSS and threads must not drift, no failed joins).
# Neither is part of ./scripts/test.sh (too long for CI); see bench/results/report.md.
BENCHFLAGS ?=

.PHONY: bench soak bench-bin

bench-bin:
	go build -o bin/meetd ./cmd/meetd
	go build -o bin/meetd-minfwd ./cmd/meetd-minfwd
	go build -o bin/meetd-bench ./cmd/meetd-bench

bench: bench-bin
	./bench/run.sh $(BENCHFLAGS)

soak: bench-bin
	./bench/run.sh -soak 10m $(BENCHFLAGS)
