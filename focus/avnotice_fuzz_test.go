package focus

import "testing"

// FuzzAVNotice: any json-message text from the AV moderation component
// decodes without panicking, and an accepted one is an av_moderation notice
// naming a room.
func FuzzAVNotice(f *testing.F) {
	f.Add(`{"type":"av_moderation","room":"r@c","enabled":true,"mediaType":"audio","actor":"r@c/x"}`)
	f.Add(`{"type":"av_moderation","room":"r@c","whitelists":{"audio":["r@c/x"],"video":[]}}`)
	f.Add(`{"type":"av_moderation","room":"r@c","whitelists":{"audio":null}}`)
	f.Fuzz(func(t *testing.T, body string) {
		n, ok := parseAVNotice(avNoticeMsg("avmoderation.localhost", body))
		if ok && (n.Type != "av_moderation" || n.Room == "") {
			t.Errorf("accepted %q", body)
		}
	})
}
