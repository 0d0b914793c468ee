package codec

// parse reads template_dependency_structure() (docs/codecs.md).
func (s *DDStructure) parse(r *bitReader) error {
	*s = DDStructure{}
	s.TemplateIDOffset = uint8(r.f(6))
	s.DTCount = uint8(r.f(5)) + 1
	if err := s.parseLayers(r); err != nil {
		return err
	}
	for i := 0; i < int(s.TemplateCount); i++ {
		for dt := 0; dt < int(s.DTCount); dt++ {
			s.Templates[i].DTI[dt] = uint8(r.f(2))
		}
	}
	if err := s.parseFdiffs(r); err != nil {
		return err
	}
	s.parseChains(r)
	s.decodeTargetLayers()
	if s.HasResolutions = r.f(1) == 1; s.HasResolutions {
		for sid := 0; sid <= int(s.MaxSpatialID); sid++ {
			s.Width[sid] = uint16(r.f(16) + 1)
			s.Height[sid] = uint16(r.f(16) + 1)
		}
	}
	if r.over {
		return errDDShort
	}
	return nil
}

func (s *DDStructure) parseLayers(r *bitReader) error {
	var sid, tid uint8
	for {
		if s.TemplateCount == DDMaxTemplates || r.over {
			return errDDTemplates
		}
		t := &s.Templates[s.TemplateCount]
		t.SpatialID, t.TemporalID = sid, tid
		s.TemplateCount++
		switch r.f(2) {
		case 1:
			tid++
			s.MaxTemporalID = max(s.MaxTemporalID, tid)
		case 2:
			sid, tid = sid+1, 0
		case 3:
			s.MaxSpatialID = sid
			return nil
		}
		if sid >= DDMaxSpatial || tid >= DDMaxTemporal {
			return errDDLayers
		}
	}
}

func (s *DDStructure) parseFdiffs(r *bitReader) error {
	for i := 0; i < int(s.TemplateCount); i++ {
		t := &s.Templates[i]
		for r.f(1) == 1 && !r.over {
			if t.NumFdiffs == DDMaxFdiffs {
				return errDDFdiffs
			}
			t.Fdiffs[t.NumFdiffs] = uint8(r.f(4)) + 1
			t.NumFdiffs++
		}
	}
	return nil
}

func (s *DDStructure) parseChains(r *bitReader) {
	s.ChainCount = uint8(r.ns(uint32(s.DTCount) + 1))
	if s.ChainCount == 0 {
		return
	}
	for dt := 0; dt < int(s.DTCount); dt++ {
		s.ProtectedBy[dt] = uint8(r.ns(uint32(s.ChainCount)))
	}
	for i := 0; i < int(s.TemplateCount); i++ {
		for c := 0; c < int(s.ChainCount); c++ {
			s.Templates[i].ChainFdiff[c] = uint8(r.f(4))
		}
	}
}

// decodeTargetLayers derives each decode target's highest spatial and
// temporal id from the templates that belong to it; it reads no bits.
func (s *DDStructure) decodeTargetLayers() {
	for dt := 0; dt < int(s.DTCount); dt++ {
		var sid, tid uint8
		for i := 0; i < int(s.TemplateCount); i++ {
			t := &s.Templates[i]
			if t.DTI[dt] != DTINotPresent {
				sid, tid = max(sid, t.SpatialID), max(tid, t.TemporalID)
			}
		}
		s.DTSpatialID[dt], s.DTTemporalID[dt] = sid, tid
	}
}
