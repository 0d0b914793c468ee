package bridge

import "testing"

// dtlsRecord is a DTLS record header of content type typ with n bytes of body.
func dtlsRecord(typ byte, n int) []byte {
	b := []byte{typ, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, byte(n >> 8), byte(n)}
	return append(b, make([]byte, n)...)
}

func TestHasAppData(t *testing.T) {
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"empty", nil, false},
		{"short header", []byte{23, 0xfe, 0xfd}, false},
		{"application data", dtlsRecord(23, 40), true},
		{"handshake", dtlsRecord(22, 100), false},
		{"change cipher spec then handshake", cat(dtlsRecord(20, 1), dtlsRecord(22, 40)), false},
		{"handshake then application data", cat(dtlsRecord(22, 300), dtlsRecord(23, 40)), true},
		{"alert", dtlsRecord(21, 2), false},
		{"length past the end", append(dtlsRecord(22, 10)[:13], 1, 2), false},
		{"big length then app data bytes", cat(dtlsRecord(22, 0x1ff), dtlsRecord(23, 1)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasAppData(tt.b); got != tt.want {
				t.Errorf("hasAppData = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSCTPStartsOnlyWithAppData: no SCTP reader is started for a client that
// sends no application data, nor before the handshake is done.
func TestSCTPStartsOnlyWithAppData(t *testing.T) {
	_, eps := testConference("a")
	e := eps["a"]
	e.sctpAppData() // data before DTLS is up: nothing to start yet
	e.mu.Lock()
	started := e.sctp.started
	e.mu.Unlock()
	if started {
		t.Fatal("SCTP started without a DTLS conn")
	}
	e.wantSCTP = false
	e.sctpReady(nil)
	if e.sctp.started || e.sctp.conn != nil {
		t.Fatal("SCTP set up although not negotiated")
	}
}

// FuzzHasAppData: the record walk over network bytes never panics, a
// complete non-application record in front does not change the answer, and
// bytes after a found application-data record do not take it back.
func FuzzHasAppData(f *testing.F) {
	f.Add(dtlsRecord(23, 4), uint16(3))
	f.Add(append(dtlsRecord(22, 30), dtlsRecord(23, 1)...), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, n uint16) {
		got := hasAppData(b)
		if pre := append(dtlsRecord(22, int(n%2048)), b...); hasAppData(pre) != got {
			t.Fatalf("a handshake record in front changed the answer from %v", got)
		}
		if got && !hasAppData(append(append([]byte{}, b...), 0xff, 0, 1)) {
			t.Fatal("trailing bytes took back a found application-data record")
		}
	})
}
