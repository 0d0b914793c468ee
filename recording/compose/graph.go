package compose

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// layout is the grid the tiles are placed in.
type layout struct {
	cols, rows int
	w, h       int // tile size
}

// maxWidth bounds the composed frame's width.
const maxWidth = 1920

func gridFor(n, tileW, tileH int) layout {
	cols := int(math.Ceil(math.Sqrt(float64(n))))
	rows := (n + cols - 1) / cols
	w, h := tileW, tileH
	if cols*w > maxWidth {
		w = maxWidth / cols &^ 1
		h = (w * tileH / tileW) &^ 1
	}
	return layout{cols: cols, rows: rows, w: w, h: h}
}

// graph builds the filter graph. inputs maps each participant's video and
// audio to its ffmpeg input index (-1 = none).
type graph struct {
	opt    Options
	lay    layout
	dur    string // seconds
	font   string
	b      strings.Builder
	vLabel []string
	aLabel []string
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func (g *graph) name(text string) string {
	return fmt.Sprintf("drawtext=fontfile=%s:expansion=none:text=%s:x=12:y=h-th-12:fontsize=%d:"+
		"fontcolor=white:box=1:boxcolor=black@0.5:boxborderw=6", g.font, safeName(text), max(12, g.lay.h/16))
}

// video adds participant i's tile: the stream scaled into the tile, black
// before it starts, its last frame held after it ends, gaps as still
// frames (fps duplicates), and the name.
func (g *graph) video(i int, p Participant, input int) {
	label := fmt.Sprintf("v%d", i)
	w, h := g.lay.w, g.lay.h
	if input < 0 {
		fmt.Fprintf(&g.b, "color=c=0x202020:s=%dx%d:r=%d:d=%s,%s[%s];", w, h, g.opt.FPS, g.dur, g.name(p.Name), label)
	} else {
		fmt.Fprintf(&g.b, "[%d:v]setpts=PTS-STARTPTS,fps=%d,scale=%d:%d:force_original_aspect_ratio=decrease,"+
			"pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,tpad=start_duration=%s:stop=-1:stop_mode=clone,"+
			"trim=duration=%s,%s[%s];",
			input, g.opt.FPS, w, h, w, h, secs(p.Video.Start), g.dur, g.name(p.Name), label)
	}
	g.vLabel = append(g.vLabel, label)
}

// audio adds participant i's audio: silence before it starts and after it
// ends. The stream's timestamps are not trusted: media.Opus already filled
// every gap with silence, so the sample count is the time line (N/SR).
func (g *graph) audio(i int, p Participant, input int) {
	label := fmt.Sprintf("a%d", i)
	fmt.Fprintf(&g.b, "[%d:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asetpts=N/SR/TB,"+
		"adelay=%d:all=1,apad,atrim=duration=%s[%s];", input, p.Audio.Start.Milliseconds(), g.dur, label)
	g.aLabel = append(g.aLabel, label)
}

// outputs adds the grid and the mix, labelled vout and aout.
func (g *graph) outputs() {
	if len(g.vLabel) == 1 {
		fmt.Fprintf(&g.b, "[%s]null[vout];", g.vLabel[0])
	} else {
		var pos []string
		for i := range g.vLabel {
			pos = append(pos, fmt.Sprintf("%d_%d", i%g.lay.cols*g.lay.w, i/g.lay.cols*g.lay.h))
			fmt.Fprintf(&g.b, "[%s]", g.vLabel[i])
		}
		fmt.Fprintf(&g.b, "xstack=inputs=%d:layout=%s:fill=black[vout];", len(g.vLabel), strings.Join(pos, "|"))
	}
	switch len(g.aLabel) {
	case 0:
		fmt.Fprintf(&g.b, "anullsrc=r=48000:cl=stereo,atrim=duration=%s[aout]", g.dur)
	case 1:
		fmt.Fprintf(&g.b, "[%s]anull[aout]", g.aLabel[0])
	default:
		for _, l := range g.aLabel {
			fmt.Fprintf(&g.b, "[%s]", l)
		}
		fmt.Fprintf(&g.b, "amix=inputs=%d:duration=longest:normalize=0,asetnsamples=n=1024[aout]", len(g.aLabel))
	}
}
