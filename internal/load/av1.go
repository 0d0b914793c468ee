package load

import (
	"fmt"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// AV1 spatial scalability (Config.SVC with Config.AV1), L3T1_KEY-like: one
// SSRC, three spatial layers per picture at the VP9 SVC sender's rates and
// resolutions, upper layers predicting from lower ones only on keyframes.
// The bridge reads the layers from the dependency descriptor header
// extension (docs/codecs.md), so every packet carries one; the first packet
// of a keyframe carries the template structure with the render
// resolutions, which needs the two-byte extension format.

// uriDD is the dependency descriptor header extension.
const uriDD = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"

// announceAV1 adds jitsi_participant_codecList "av1,vp8" to a join
// presence, so the focus offers AV1 first.
func announceAV1(pres *dom.Element) {
	pres.AddNew(ns.Client, "jitsi_participant_codecList").SetText("av1,vp8")
}

// av1Frame is what the dependency descriptor says about one layer frame.
type av1Frame struct {
	sid      uint8
	key      bool
	frame    uint16 // frame number, one per layer frame
	sof, eof bool   // first and last packet of the layer frame
}

// Decode target indications.
const (
	ddNotPresent, ddSwitch, ddRequired = 0, 2, 3
)

// av1Template is the template id of a layer frame: per spatial layer a
// keyframe template then a delta template.
func av1Template(f av1Frame) uint32 {
	t := 2 * uint32(f.sid)
	if !f.key {
		t++
	}
	return t
}

// ddDescriptor appends the dependency descriptor of one packet; the first
// packet of a keyframe's base layer carries the template structure.
func ddDescriptor(dst []byte, f av1Frame) []byte {
	w := ddWriter{b: dst, n: 8 * len(dst)}
	w.flag(f.sof).flag(f.eof).put(av1Template(f), 6).put(uint32(f.frame), 16)
	if f.key && f.sid == 0 && f.sof {
		w.put(1, 1).put(0, 4) // structure present; no mask, no custom fields
		ddStructure(&w)
	}
	return w.b
}

// ddStructure writes the template dependency structure: template id offset
// 0, one decode target per spatial layer, no chains, resolutions.
func ddStructure(w *ddWriter) {
	w.put(0, 6).put(svcLayers-1, 5)
	for sid := range svcLayers {
		next := uint32(2) // next spatial layer after the delta template
		if sid == svcLayers-1 {
			next = 3
		}
		w.put(0, 2).put(next, 2) // keyframe template, then delta template
	}
	for sid := range svcLayers {
		for dt := range svcLayers { // keyframe: switch point for dt >= sid
			w.put(ddSwitchIf(dt >= sid), 2)
		}
		for dt := range svcLayers { // delta: only its own decode target
			if dt == sid {
				w.put(ddRequired, 2)
			} else {
				w.put(ddNotPresent, 2)
			}
		}
	}
	for sid := range svcLayers {
		if sid > 0 { // keyframe: the layer below, one frame back
			w.put(1, 1).put(0, 4)
		}
		w.put(0, 1)
		w.put(1, 1).put(svcLayers-1, 4).put(0, 1) // delta: same layer, one picture back
	}
	w.ns(0, svcLayers+1) // no chains
	w.put(1, 1)          // resolutions present
	for sid := range svcLayers {
		w.put(uint32(svcWidth[sid])-1, 16).put(uint32(svcHeight[sid])-1, 16)
	}
}

func ddSwitchIf(b bool) uint32 {
	if b {
		return ddSwitch
	}
	return ddNotPresent
}

// av1Aggregation is the AV1 payload's aggregation header for packet i of
// n of a layer frame: one OBU element (W=1) continued across packets (Z,
// Y); N on the first packet of a keyframe's base layer.
func av1Aggregation(f av1Frame, i, n int) byte {
	b := byte(0x10)
	if i > 0 {
		b |= 0x80
	}
	if i < n-1 {
		b |= 0x40
	}
	if f.key && f.sid == 0 && i == 0 {
		b |= 0x08
	}
	return b
}

// ddWriter appends MSB-first bit fields, as the descriptor's syntax is
// written (AV1 RTP spec, appendix A).
type ddWriter struct {
	b []byte
	n int // bits written, counting the bytes b started with
}

func (w *ddWriter) put(v uint32, width int) *ddWriter {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
	return w
}

func (w *ddWriter) flag(b bool) *ddWriter {
	if b {
		return w.put(1, 1)
	}
	return w.put(0, 1)
}

// ns writes v in [0, n) as a non-symmetric unsigned value (AV1 spec 4.10.7).
func (w *ddWriter) ns(v, n uint32) *ddWriter {
	width := 0
	for x := n; x != 0; x >>= 1 {
		width++
	}
	m := uint32(1)<<width - n
	if v < m {
		return w.put(v, width-1)
	}
	return w.put((v+m)>>1, width-1).put((v+m)&1, 1)
}

// checkSVCOffer fails a join whose offer lacks what the SVC mode sends.
func checkSVCOffer(cfg *Config, o *offerInfo) error {
	switch {
	case !cfg.SVC:
		return nil
	case cfg.AV1 && (o.ptAV1 == 0 || o.extDD == 0):
		return fmt.Errorf("%w: av1 or its dependency descriptor not offered (svc mode)", ErrProtocol)
	case !cfg.AV1 && o.ptVP9 == 0:
		return fmt.Errorf("%w: vp9 not offered (svc mode)", ErrProtocol)
	}
	return nil
}
