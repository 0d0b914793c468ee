package appointment

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestLoadKeyOnce: processes that start together agree on one key, kept
// readable by the owner only.
func TestLoadKeyOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadKey(dir)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys differ or are short: %x vs %x", k, keys[0])
		}
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, KeyFile+".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
