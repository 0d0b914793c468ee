package codec

import "testing"

// FuzzDependencyDescriptor feeds two descriptors (data[0] = length of the
// first) through one parser, so the second can refer to a structure from
// the first. It checks that parsing never panics, that a failed parse
// leaves the parser's state alone, and that rewriting the active decode
// targets (appended and, where present, in place) changes nothing else.
func FuzzDependencyDescriptor(f *testing.F) {
	key := keyframeL1T2(3)
	f.Add(append([]byte{byte(len(key))}, append(key, mandatory(true, true, 4, 9).b...)...))
	f.Add(append([]byte{0}, l2t1(mandatory(true, false, 0, 1).put(1, 1).put(0, 4)).b...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := min(int(data[0]), len(data)-1)
		first, second := data[1:1+n], data[1+n:]
		var p DDParser
		var fr DDFrame
		_ = p.Parse(first, &fr)
		before := p
		if err := p.Parse(second, &fr); err != nil {
			if !sameState(&p, &before) {
				t.Fatal("failed parse changed the parser's state")
			}
			return
		}
		mask := ^fr.ActiveDecodeTargets
		out := fr.AppendActiveDecodeTargets(nil, second, mask)
		if len(out) != fr.ActiveTargetsSize() {
			t.Fatalf("appended %d bytes, ActiveTargetsSize %d", len(out), fr.ActiveTargetsSize())
		}
		checkActiveRewrite(t, before, &fr, out, mask)
		if fr.ActiveTargetsPresent {
			inPlace := append([]byte(nil), second...)
			if err := fr.SetActiveDecodeTargets(inPlace, mask); err != nil {
				t.Fatal(err)
			}
			checkActiveRewrite(t, before, &fr, inPlace, mask)
		}
	})
}
