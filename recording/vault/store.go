package vault

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Store is a directory of sealed recordings. Every file it writes is mode
// 0600 in a directory of mode 0700.
type Store struct {
	dir string
}

// Info is a recording's metadata, stored next to it in plaintext. It holds
// no key, no link and no participant names.
type Info struct {
	ID           string    `json:"id"`
	Room         string    `json:"room"`
	Created      time.Time `json:"created"`
	Duration     float64   `json:"duration_seconds"`
	Size         int64     `json:"size"`
	Participants int       `json:"participants"`
}

const (
	sealedExt  = ".rec"
	infoExt    = ".json"
	partialExt = ".part"
	spoolDir   = "spool"
)

// NewStore uses dir (created, mode 0700).
func NewStore(dir string) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, spoolDir), 0o700); err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// SpoolDir is where running recordings keep their spools.
func (s *Store) SpoolDir() string { return filepath.Join(s.dir, spoolDir) }

// NewID returns a fresh random recording ID.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (Go ≥ 1.24 panics instead)
	return hex.EncodeToString(b)
}

// NewKey returns a fresh random recording key.
func NewKey() []byte {
	b := make([]byte, KeyLen)
	_, _ = rand.Read(b)
	return b
}

// ValidID reports whether id has the form NewID produces.
func ValidID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func (s *Store) path(id, ext string) string { return filepath.Join(s.dir, id+ext) }

// Create opens a partial file for recording id; Commit makes it visible.
func (s *Store) Create(id string) (*os.File, error) {
	if !ValidID(id) {
		return nil, ErrBadID
	}
	f, err := os.OpenFile(s.path(id, sealedExt+partialExt), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("vault: create: %w", err)
	}
	return f, nil
}

// Commit renames the partial file of info.ID into place and writes info.
func (s *Store) Commit(info Info) error {
	b, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("vault: %w", err)
	}
	if err := writeFile0600(s.path(info.ID, infoExt), b); err != nil {
		return err
	}
	if err := os.Rename(s.path(info.ID, sealedExt+partialExt), s.path(info.ID, sealedExt)); err != nil {
		return fmt.Errorf("vault: commit: %w", err)
	}
	return nil
}

// Abort removes the partial file of id.
func (s *Store) Abort(id string) {
	_ = os.Remove(s.path(id, sealedExt+partialExt))
}

func writeFile0600(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("vault: write: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("vault: write: %w", err)
	}
	return nil
}

// Open returns the sealed recording id opened with key, and its info.
func (s *Store) Open(id string, key []byte) (*File, *os.File, Info, error) {
	if !ValidID(id) {
		return nil, nil, Info{}, ErrBadID
	}
	info, err := s.Info(id)
	if err != nil {
		return nil, nil, Info{}, err
	}
	fd, err := os.Open(s.path(id, sealedExt))
	if err != nil {
		return nil, nil, Info{}, ErrNotFound
	}
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, nil, Info{}, fmt.Errorf("vault: %w", err)
	}
	f, err := Open(fd, st.Size(), key)
	if err != nil {
		fd.Close()
		return nil, nil, Info{}, err
	}
	return f, fd, info, nil
}

// Info reads the metadata of recording id.
func (s *Store) Info(id string) (Info, error) {
	b, err := os.ReadFile(s.path(id, infoExt))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("vault: %w", err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil || info.ID != id {
		return Info{}, fmt.Errorf("vault: metadata of %s unreadable", id)
	}
	return info, nil
}

// List returns all finished recordings, oldest first.
func (s *Store) List() ([]Info, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	var out []Info
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), infoExt)
		if !ok || !ValidID(id) {
			continue
		}
		if info, err := s.Info(id); err == nil {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// Remove deletes recording id.
func (s *Store) Remove(id string) error {
	if !ValidID(id) {
		return ErrBadID
	}
	err := os.Remove(s.path(id, sealedExt))
	if ierr := os.Remove(s.path(id, infoExt)); err == nil {
		err = ierr
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("vault: remove: %w", err)
	}
	return nil
}

// Expire deletes the recordings created before cutoff and returns their IDs.
func (s *Store) Expire(cutoff time.Time) ([]string, error) {
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, info := range list {
		if info.Created.Before(cutoff) {
			if err := s.Remove(info.ID); err != nil {
				return gone, err
			}
			gone = append(gone, info.ID)
		}
	}
	return gone, nil
}

// Leftovers removes what a stopped meetd left behind: spools of running
// recordings (unreadable: their keys lived only in memory) and partial
// sealed files. It returns the names removed, for the operator's log.
func (s *Store) Leftovers() ([]string, error) {
	var gone []string
	for _, pat := range []string{filepath.Join(s.dir, "*"+partialExt), filepath.Join(s.SpoolDir(), "*")} {
		names, err := filepath.Glob(pat)
		if err != nil {
			return gone, fmt.Errorf("vault: %w", err)
		}
		for _, n := range names {
			if err := os.Remove(n); err != nil {
				return gone, fmt.Errorf("vault: remove leftover: %w", err)
			}
			gone = append(gone, filepath.Base(n))
		}
	}
	return gone, nil
}
