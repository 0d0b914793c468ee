package bridge

import (
	"encoding/binary"

	"github.com/pion/rtcp"
)

// Marshalling of the RTCP the bridge makes in the steady state, appended to
// reused buffers so that forwarding allocates nothing.

// appendSR appends a sender report without report blocks.
func appendSR(b []byte, ssrc uint32, ntp uint64, rtpTime, packets, octets uint32) []byte {
	b = append(b, 0x80, 200, 0, 6)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	b = binary.BigEndian.AppendUint64(b, ntp)
	b = binary.BigEndian.AppendUint32(b, rtpTime)
	b = binary.BigEndian.AppendUint32(b, packets)
	return binary.BigEndian.AppendUint32(b, octets)
}

// appendPLI appends a picture loss indication (RFC 4585 §6.3.1).
func appendPLI(b []byte, sender, media uint32) []byte {
	b = append(b, 0x80|fmtPLI, rtcpPSFB, 0, 2)
	b = binary.BigEndian.AppendUint32(b, sender)
	return binary.BigEndian.AppendUint32(b, media)
}

// appendRR appends a receiver report with up to 31 report blocks.
func appendRR(b []byte, ssrc uint32, reports []rtcp.ReceptionReport) []byte {
	reports = reports[:min(len(reports), 31)]
	b = append(b, 0x80|byte(len(reports)), 201)
	b = binary.BigEndian.AppendUint16(b, uint16(1+6*len(reports)))
	b = binary.BigEndian.AppendUint32(b, ssrc)
	for _, r := range reports {
		b = binary.BigEndian.AppendUint32(b, r.SSRC)
		b = binary.BigEndian.AppendUint32(b, uint32(r.FractionLost)<<24|r.TotalLost&0xFFFFFF)
		b = binary.BigEndian.AppendUint32(b, r.LastSequenceNumber)
		b = binary.BigEndian.AppendUint32(b, r.Jitter)
		b = binary.BigEndian.AppendUint32(b, r.LastSenderReport)
		b = binary.BigEndian.AppendUint32(b, r.Delay)
	}
	return b
}
