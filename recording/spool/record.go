package spool

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Kind says what a record holds.
type Kind uint8

// The record kinds.
const (
	KindTrack        Kind = 1 // Data is an encoded TrackInfo
	KindRTP          Kind = 2 // Data is one RTP packet (header and payload)
	KindSenderReport Kind = 3 // Data is an encoded ClockMapping
)

// MaxRecord bounds a record's data: larger than any RTP packet meetd forwards.
const MaxRecord = 1 << 16

// headerLen is the plaintext header of a record: kind, track, arrival time.
const headerLen = 1 + 2 + 8

// Record is one entry of the spool.
type Record struct {
	Kind  Kind
	Track uint16    // the track this record belongs to
	At    time.Time // when the recorder received it
	Data  []byte
}

// appendPlain appends the record's plaintext encoding to dst.
func (r Record) appendPlain(dst []byte) []byte {
	dst = append(dst, byte(r.Kind))
	dst = binary.BigEndian.AppendUint16(dst, r.Track)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.At.UnixNano()))
	return append(dst, r.Data...)
}

func parsePlain(b []byte) (Record, error) {
	if len(b) < headerLen {
		return Record{}, fmt.Errorf("%w: short record", ErrCorrupt)
	}
	return Record{
		Kind:  Kind(b[0]),
		Track: binary.BigEndian.Uint16(b[1:]),
		At:    time.Unix(0, int64(binary.BigEndian.Uint64(b[3:]))),
		Data:  b[headerLen:],
	}, nil
}

// Media is a track's media type.
type Media uint8

// The media types a recorder captures.
const (
	Audio Media = 1 // Opus, 48 kHz
	Video Media = 2 // VP8, 90 kHz
)

// TrackInfo describes one captured track: one participant's audio or video.
type TrackInfo struct {
	Media       Media
	Participant string // endpoint ID
	Name        string // display name shown in the composed video
}

// Encode returns the record data for t.
func (t TrackInfo) Encode() []byte {
	b := []byte{byte(t.Media)}
	b = appendString(b, t.Participant)
	return appendString(b, t.Name)
}

// DecodeTrackInfo parses record data written by TrackInfo.Encode.
func DecodeTrackInfo(b []byte) (TrackInfo, error) {
	if len(b) < 1 {
		return TrackInfo{}, fmt.Errorf("%w: empty track info", ErrCorrupt)
	}
	t := TrackInfo{Media: Media(b[0])}
	var ok bool
	rest := b[1:]
	if t.Participant, rest, ok = cutString(rest); !ok {
		return TrackInfo{}, fmt.Errorf("%w: track participant", ErrCorrupt)
	}
	if t.Name, _, ok = cutString(rest); !ok {
		return TrackInfo{}, fmt.Errorf("%w: track name", ErrCorrupt)
	}
	return t, nil
}

func appendString(b []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func cutString(b []byte) (string, []byte, bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, false
	}
	return string(b[2 : 2+n]), b[2+n:], true
}

// ClockMapping is what a sender report says: the sender's RTP timestamp
// RTP corresponds to the wall-clock time NTP (RFC 3550 §6.4.1).
type ClockMapping struct {
	NTP uint64 // 64-bit NTP timestamp: seconds since 1900 << 32 | fraction
	RTP uint32
}

// Encode returns the record data for m.
func (m ClockMapping) Encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, m.NTP)
	return binary.BigEndian.AppendUint32(b, m.RTP)
}

// DecodeClockMapping parses record data written by ClockMapping.Encode.
func DecodeClockMapping(b []byte) (ClockMapping, error) {
	if len(b) != 12 {
		return ClockMapping{}, fmt.Errorf("%w: clock mapping length %d", ErrCorrupt, len(b))
	}
	return ClockMapping{NTP: binary.BigEndian.Uint64(b), RTP: binary.BigEndian.Uint32(b[8:])}, nil
}

// ntpEpochOffset is the number of seconds from 1900 (NTP) to 1970 (Unix).
const ntpEpochOffset = 2208988800

// Time converts the NTP timestamp to a time.Time.
func (m ClockMapping) Time() time.Time {
	secs := int64(m.NTP>>32) - ntpEpochOffset
	frac := int64((m.NTP & 0xffffffff) * 1e9 >> 32)
	return time.Unix(secs, frac)
}
