package bridge

import (
	"reflect"
	"testing"

	"github.com/pion/rtcp"
)

// TestRTCPBuilders: what appendSR and appendRR write is what pion's
// marshaller writes.
func TestRTCPBuilders(t *testing.T) {
	reports := []rtcp.ReceptionReport{
		{SSRC: 1, FractionLost: 12, TotalLost: 0x123456, LastSequenceNumber: 0x10005, Jitter: 7, LastSenderReport: 9, Delay: 65536},
		{SSRC: 2, TotalLost: 0},
	}
	cases := []struct {
		name string
		got  []byte
		want rtcp.Packet
	}{
		{"sender report", appendSR(nil, 5, 0x0102030405060708, 90000, 10, 12000),
			&rtcp.SenderReport{SSRC: 5, NTPTime: 0x0102030405060708, RTPTime: 90000, PacketCount: 10, OctetCount: 12000}},
		{"receiver report", appendRR(nil, 6, reports), &rtcp.ReceiverReport{SSRC: 6, Reports: reports}},
		{"empty receiver report", appendRR(nil, 6, nil), &rtcp.ReceiverReport{SSRC: 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, err := tc.want.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.got, want) {
				t.Fatalf("got % x\nwant % x", tc.got, want)
			}
		})
	}
}
