//go:build linux

package recording

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"meetd/bridge"
	"meetd/focus"
	"meetd/recording/testmedia"
)

// TestDiskFull records onto a 256 KiB tmpfs: the spool write fails, the
// recording ends by itself with ErrDiskFull and a reason for participants.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs (scripts/test.sh runs as root)")
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	c, err := testmedia.Make(t.TempDir(), 3, 320, 180, 15, 440)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("cannot mount tmpfs: %v", err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	svc, err := New(Config{Dir: filepath.Join(dir, "rec"), MaxLength: time.Hour}, &fakeBridge{})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan focus.RecordingResult, 1)
	rs, err := svc.StartRecording(context.Background(), focus.RecordingStart{MeetingID: "m"}, func(r focus.RecordingResult) { results <- r })
	if err != nil {
		t.Fatal(err)
	}
	sess := rs.(*Session)
	sess.Allocated(bridge.Allocation{Sources: []bridge.Source{{Endpoint: "aaaa", Video: true, SSRC: 11}, {Endpoint: "aaaa", SSRC: 12}}})
	sess.Update([]focus.RecordingParticipant{{Endpoint: "aaaa", Name: "Anna", Consented: true}})
	s := newSender(t, c, 11, 12)
	check := func(r focus.RecordingResult) {
		var why interface{ Reason() string }
		if !errors.Is(r.Err, ErrDiskFull) || r.Stopped || !errors.As(r.Err, &why) {
			t.Fatalf("result %+v", r)
		}
		if err := svc.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for range 20 { // the same 3 s again and again: far more than 256 KiB
		s.vi, s.ai = 0, 0
		s.send(sess, 3*time.Second)
		select {
		case r := <-results:
			check(r)
			return
		default:
		}
	}
	select {
	case r := <-results:
		check(r)
	case <-time.After(time.Minute):
		t.Fatal("the recording went on with the disk full")
	}
}
