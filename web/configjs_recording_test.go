package web

import (
	"net/url"
	"strings"
	"testing"

	"meetd/conf"
)

func TestConfigJSRecording(t *testing.T) {
	tests := []struct {
		enabled string
		want    []string
		absent  []string
	}{
		{conf.RecordingOn,
			[]string{`"recordingService": {`, `"enabled": true`, `"fileRecordingsEnabled": true`,
				`"hiddenDomain": "recorder.localhost"`, `"requireConsent": true`, `"skipConsentInMeeting": false`, `"localRecording": {`},
			nil},
		{conf.RecordingOff, []string{`"localRecording": {`, `"disable": true`},
			[]string{"recordingService", "fileRecordingsEnabled", "hiddenDomain", "requireConsent"}},
	}
	for _, tc := range tests {
		t.Run(tc.enabled, func(t *testing.T) {
			cfg := conf.Default()
			cfg.Recording.Enabled = tc.enabled
			body, err := renderConfigJS(newClientConfig(cfg, &url.URL{Scheme: "https", Host: "h"}, ""), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("config.js lacks %s", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(string(body), a) {
					t.Errorf("config.js has %s", a)
				}
			}
		})
	}
}
