package codec

// Limits of the AV1 dependency descriptor (docs/codecs.md). The template
// and decode-target limits come from the syntax (6-bit template ids, 5-bit
// decode target count); the spatial, temporal and frame-diff limits are the
// bounds real encoders stay within, enforced so state stays fixed-size.
const (
	DDMaxTemplates     = 64
	DDMaxDecodeTargets = 32
	DDMaxChains        = DDMaxDecodeTargets
	DDMaxSpatial       = 8
	DDMaxTemporal      = 8
	DDMaxFdiffs        = 16
)

// Decode target indications (2 bits each).
const (
	DTINotPresent  = 0
	DTIDiscardable = 1
	DTISwitch      = 2
	DTIRequired    = 3
)

// DDTemplate is one frame dependency template.
type DDTemplate struct {
	SpatialID, TemporalID uint8
	DTI                   [DDMaxDecodeTargets]uint8
	NumFdiffs             uint8
	Fdiffs                [DDMaxFdiffs]uint8
	ChainFdiff            [DDMaxChains]uint8
}

// DDStructure is a template dependency structure.
type DDStructure struct {
	TemplateIDOffset uint8
	DTCount          uint8 // decode targets
	TemplateCount    uint8
	ChainCount       uint8
	MaxSpatialID     uint8
	MaxTemporalID    uint8
	Templates        [DDMaxTemplates]DDTemplate
	ProtectedBy      [DDMaxDecodeTargets]uint8 // chain protecting each decode target
	DTSpatialID      [DDMaxDecodeTargets]uint8 // highest layers of each decode target
	DTTemporalID     [DDMaxDecodeTargets]uint8
	HasResolutions   bool
	Width, Height    [DDMaxSpatial]uint16 // max render size per spatial id
}

// DDFrame is one parsed dependency descriptor: the mandatory fields and the
// frame's dependencies resolved against the current structure.
type DDFrame struct {
	StartOfFrame, EndOfFrame bool
	TemplateID               uint8
	FrameNumber              uint16
	StructurePresent         bool   // this packet carried a new structure
	ActiveTargetsPresent     bool   // this packet carried the bitmask
	ActiveDecodeTargets      uint32 // in effect after this packet
	SpatialID, TemporalID    uint8
	DTCount, ChainCount      uint8
	DTI                      [DDMaxDecodeTargets]uint8
	NumFdiffs                uint8
	Fdiffs                   [DDMaxFdiffs]uint16
	ChainFdiff               [DDMaxChains]uint8

	extended  bool
	adtInsert int // bit where the bitmask is or would be
	adtBits   int // length of the bitmask in the packet; 0 = absent
	endBits   int // bits the descriptor used
}

// IsSwitch reports whether the frame is a switch point for decode target dt.
func (f *DDFrame) IsSwitch(dt int) bool {
	return dt >= 0 && dt < int(f.DTCount) && f.DTI[dt] == DTISwitch
}

// DDParser parses the dependency descriptors of one RTP stream. It keeps
// the last template structure and active decode targets, as receivers must.
// The zero value is ready; it is not safe for concurrent use.
type DDParser struct {
	st     [2]DDStructure
	cur    int
	have   bool
	active uint32
}

// Structure returns the structure in effect, or nil before the first one.
func (p *DDParser) Structure() *DDStructure {
	if !p.have {
		return nil
	}
	return &p.st[p.cur]
}

// Parse decodes one dependency descriptor extension element into f. On
// error the parser's state is unchanged.
func (p *DDParser) Parse(ext []byte, f *DDFrame) error {
	*f = DDFrame{}
	if len(ext) < 3 {
		return errDDShort
	}
	r := bitReader{b: ext}
	f.StartOfFrame, f.EndOfFrame = r.f(1) == 1, r.f(1) == 1
	f.TemplateID = uint8(r.f(6))
	f.FrameNumber = uint16(r.f(16))
	var customDTIs, customFdiffs, customChains bool
	st, have, active := &p.st[p.cur], p.have, p.active
	if len(ext) > 3 {
		f.extended = true
		f.StructurePresent, f.ActiveTargetsPresent = r.f(1) == 1, r.f(1) == 1
		customDTIs, customFdiffs, customChains = r.f(1) == 1, r.f(1) == 1, r.f(1) == 1
		if f.StructurePresent {
			st = &p.st[1-p.cur]
			if err := st.parse(&r); err != nil {
				return err
			}
			have, active = true, uint32(1)<<st.DTCount-1
		}
		f.adtInsert = r.pos
		if f.ActiveTargetsPresent {
			if !have {
				return errDDNoStructure
			}
			f.adtBits = int(st.DTCount)
			active = r.f(f.adtBits)
		}
	} else {
		f.adtInsert = 24
	}
	if !have {
		return errDDNoStructure
	}
	if err := f.resolve(&r, st, customDTIs, customFdiffs, customChains); err != nil {
		return err
	}
	f.ActiveDecodeTargets = active
	f.endBits = r.pos
	if f.StructurePresent {
		p.cur, p.have = 1-p.cur, true
	}
	p.active = active
	return nil
}

// resolve fills the frame's layer ids, DTIs, frame diffs and chain diffs
// from its template, overridden by the custom fields present in the packet.
func (f *DDFrame) resolve(r *bitReader, st *DDStructure, dtis, fdiffs, chains bool) error {
	idx := (int(f.TemplateID) + DDMaxTemplates - int(st.TemplateIDOffset)) % DDMaxTemplates
	if idx >= int(st.TemplateCount) {
		return errDDTemplate
	}
	t := &st.Templates[idx]
	f.SpatialID, f.TemporalID = t.SpatialID, t.TemporalID
	f.DTCount, f.ChainCount = st.DTCount, st.ChainCount
	f.DTI = t.DTI
	if dtis {
		for i := 0; i < int(st.DTCount); i++ {
			f.DTI[i] = uint8(r.f(2))
		}
	}
	if fdiffs {
		for size := r.f(2); size != 0 && !r.over; size = r.f(2) {
			if f.NumFdiffs == DDMaxFdiffs {
				return errDDFdiffs
			}
			f.Fdiffs[f.NumFdiffs] = uint16(r.f(4*int(size))) + 1
			f.NumFdiffs++
		}
	} else {
		f.NumFdiffs = t.NumFdiffs
		for i := 0; i < int(t.NumFdiffs); i++ {
			f.Fdiffs[i] = uint16(t.Fdiffs[i])
		}
	}
	f.ChainFdiff = t.ChainFdiff
	if chains {
		for i := 0; i < int(st.ChainCount); i++ {
			f.ChainFdiff[i] = uint8(r.f(8))
		}
	}
	if r.over {
		return errDDShort
	}
	return nil
}
