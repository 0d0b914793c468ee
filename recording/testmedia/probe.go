package testmedia

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
)

// Info is what ffprobe says about a file.
type Info struct {
	Duration   float64
	VideoCodec string
	AudioCodec string
	Width      int
	Height     int
}

// Probe runs ffprobe on path.
func Probe(path string) (Info, error) {
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path).Output()
	if err != nil {
		return Info{}, fmt.Errorf("testmedia: ffprobe: %w", err)
	}
	var p struct {
		Format  struct{ Duration string }
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
			Width     int
			Height    int
		}
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return Info{}, fmt.Errorf("testmedia: ffprobe output: %w", err)
	}
	var info Info
	info.Duration, _ = strconv.ParseFloat(p.Format.Duration, 64)
	for _, s := range p.Streams {
		switch s.CodecType {
		case "video":
			info.VideoCodec, info.Width, info.Height = s.CodecName, s.Width, s.Height
		case "audio":
			info.AudioCodec = s.CodecName
		}
	}
	return info, nil
}

var yavgRE = regexp.MustCompile(`lavfi\.signalstats\.YAVG=([0-9.]+)`)

// Brightness returns the mean luma (0-255) of the w×h region at x,y of the
// frame at second t.
func Brightness(path string, t float64, x, y, w, h int) (float64, error) {
	vf := fmt.Sprintf("crop=%d:%d:%d:%d,signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG", w, h, x, y)
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "info", "-ss", fmt.Sprint(t), "-i", path,
		"-frames:v", "1", "-vf", vf, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("testmedia: signalstats: %w: %s", err, out)
	}
	m := yavgRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("testmedia: no YAVG in output")
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

var minRE, maxRE = regexp.MustCompile(`lavfi\.signalstats\.YMIN=([0-9.]+)`), regexp.MustCompile(`lavfi\.signalstats\.YMAX=([0-9.]+)`)

// LumaRange returns the darkest and brightest luma (0-255) in the w×h
// region at x,y of the frame at second t: a black or uniform tile has a
// range near 0, a picture a wide one.
func LumaRange(path string, t float64, x, y, w, h int) (lo, hi float64, err error) {
	vf := fmt.Sprintf("crop=%d:%d:%d:%d,signalstats,metadata=mode=print", w, h, x, y)
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "info", "-ss", fmt.Sprint(t), "-i", path,
		"-frames:v", "1", "-vf", vf, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("testmedia: signalstats: %w: %s", err, out)
	}
	lm, hm := minRE.FindSubmatch(out), maxRE.FindSubmatch(out)
	if lm == nil || hm == nil {
		return 0, 0, fmt.Errorf("testmedia: no YMIN/YMAX in output")
	}
	lo, _ = strconv.ParseFloat(string(lm[1]), 64)
	hi, _ = strconv.ParseFloat(string(hm[1]), 64)
	return lo, hi, nil
}

var meanRE = regexp.MustCompile(`mean_volume: (-?[0-9.]+|-inf) dB`)

// Volume returns the mean volume (dB) of the audio between from and to
// seconds, band-passed around freq Hz (freq 0: no filter).
func Volume(path string, from, to float64, freq int) (float64, error) {
	af := "volumedetect"
	if freq > 0 {
		af = fmt.Sprintf("bandpass=f=%d:width_type=h:w=60,bandpass=f=%d:width_type=h:w=60,volumedetect", freq, freq)
	}
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "info", "-ss", fmt.Sprint(from), "-to", fmt.Sprint(to),
		"-i", path, "-vn", "-af", af, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("testmedia: volumedetect: %w: %s", err, out)
	}
	m := meanRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("testmedia: no mean_volume in output")
	}
	if string(m[1]) == "-inf" {
		return -200, nil
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
