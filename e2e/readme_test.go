package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeListsEveryTest keeps e2e/README.md's table complete: every Test function of this package
// must appear there as `TestName`, so a reader learns what each browser test checks.
func TestReadmeListsEveryTest(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	decl := regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]*)\(t \*testing\.T\)`)
	found := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range decl.FindAllSubmatch(src, -1) {
			found++
			name := string(m[1])
			if name == "TestReadmeListsEveryTest" {
				continue
			}
			if !strings.Contains(string(readme), "`"+name+"`") {
				t.Errorf("%s (%s) is not listed in e2e/README.md", name, f)
			}
		}
	}
	if found < 10 {
		t.Fatalf("found only %d test functions: the pattern no longer matches", found)
	}
}
