package e2e

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// logBook keeps the lines of several sources (meetd, the driver, each page) for checks and failure dumps.
type logBook struct {
	mu    sync.Mutex
	lines map[string][]string
	order []string
}

func newLogBook() *logBook {
	return &logBook{lines: map[string][]string{}}
}

func (b *logBook) add(source, line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.lines[source]; !ok {
		b.order = append(b.order, source)
	}
	b.lines[source] = append(b.lines[source], line)
}

// all returns a copy of the lines of one source.
func (b *logBook) all(source string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines[source]...)
}

// tail returns the last n lines of one source as text.
func (b *logBook) tail(source string, n int) string {
	lines := b.all(source)
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... %d earlier lines", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// sources returns the sources in the order they first logged.
func (b *logBook) sources() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.order...)
}

// writer returns an io.Writer that adds each line written to it to source.
func (b *logBook) writer(source string) io.Writer {
	return &lineWriter{book: b, source: source}
}

type lineWriter struct {
	mu      sync.Mutex
	book    *logBook
	source  string
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.book.add(w.source, string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
}
