# make bench: the side-by-side benchmark (meetd, Galène when MEETD_BENCH_GALENE names its binary, Janus, minimal forwarder),
#             report in internal/bench/results/ (docs/performance.md).
# make soak:  the 10-minute soak of meetd (RSS and threads must not drift, no failed joins).
# Neither is part of ./scripts/test.sh (too long for CI); see internal/bench/results/report.md.
# make build: a static release binary in dist/ (version and commit stamped in; meetd version shows them).
# make deb:   the Debian package dist/meetd_<version>_<arch>.deb (nfpm, pinned; packaging/).
BENCHFLAGS ?=
GOARCH ?= $(shell go env GOARCH)
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
VERSION ?= 0.0~git$(shell git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || echo 0).$(COMMIT)
NFPM ?= go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: bench soak bench-bin build deb

build:
	mkdir -p dist
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) go build -trimpath -ldflags "$(LDFLAGS)" -o dist/meetd ./cmd/meetd

deb: build
	GOARCH=$(GOARCH) MEETD_VERSION=$(VERSION) $(NFPM) package -f packaging/nfpm.yaml -p deb -t dist/

bench-bin:
	go build -o bin/meetd ./cmd/meetd
	go build -o bin/meetd-minfwd ./cmd/meetd-minfwd
	go build -o bin/meetd-bench ./cmd/meetd-bench

bench: bench-bin
	./internal/bench/run.sh $(BENCHFLAGS)

soak: bench-bin
	./internal/bench/run.sh -soak 10m $(BENCHFLAGS)
