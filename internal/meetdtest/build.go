package meetdtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// builtBinary is the binary built for this test process: one build however
// many tests start meetd (the only package-level state, a cache).
var builtBinary struct {
	once sync.Once
	path string
	err  error
}

// Binary returns ./cmd/meetd built once per test process (offline, see
// Build) into a directory named after the process; directories left by
// earlier processes that have ended are removed.
func Binary(tb testing.TB) string {
	tb.Helper()
	builtBinary.once.Do(func() {
		removeStale()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("meetdtest-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			builtBinary.err = err
			return
		}
		builtBinary.path = filepath.Join(dir, "meetd")
		builtBinary.err = Build(context.Background(), builtBinary.path)
	})
	if builtBinary.err != nil {
		tb.Fatal(builtBinary.err)
	}
	if root, err := ModuleRoot(); err == nil {
		statSources(tb, root)
	}
	return builtBinary.path
}

// removeStale deletes the build directories of test processes that ended.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "meetdtest-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "meetdtest-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
}

// Build builds ./cmd/meetd into out without the network (GOPROXY=off:
// scripts/test.sh downloads the modules first).
func Build(ctx context.Context, out string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/meetd")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/meetd (offline: GOPROXY=off; ./scripts/test.sh runs go mod download first): %w\n%s", err, b)
	}
	return nil
}

// ModuleRoot returns the directory of meetd's go.mod, searched from the
// working directory upwards.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module meetd\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoModule
		}
		dir = parent
	}
}

// statSources stats every Go source of the module so that go test's result
// cache, which records the files a test looks at, is invalidated when
// meetd's code changes (the build itself runs in another process).
func statSources(tb testing.TB, root string) {
	tb.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != root):
			return filepath.SkipDir
		case d.IsDir() || !(strings.HasSuffix(path, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum"):
			return nil
		}
		_, err = os.Stat(path)
		return err
	})
	if err != nil {
		tb.Fatalf("look at meetd's sources: %v", err)
	}
}
