package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
)

// Plot geometry.
const (
	plotW, plotH   = 760, 440
	padL, padR     = 70, 190
	padT, padB     = 30, 55
	plotXTicks     = 5
	plotYTicks     = 5
	plotPointR     = 4
	plotStrokeW    = 2
	plotLabelShift = 14
)

var plotColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"}

// point is one median of one system in one scenario.
type point struct {
	x, y  float64
	label string
}

// series returns, per system, the medians (forwarded pps, µs/pkt) of every
// scenario, sorted by load.
func (rep *Report) series() (names []string, pts [][]point) {
	for _, sys := range rep.systems() {
		var ps []point
		for _, sc := range rep.scenarios() {
			rs := rep.runs(sys, sc)
			if len(rs) == 0 {
				continue
			}
			x := metric(rs, func(r Result) float64 { return r.FwdPPS }).med
			y := metric(rs, func(r Result) float64 { return r.USPerPkt }).med
			ps = append(ps, point{x: x, y: y, label: sc})
		}
		slices.SortFunc(ps, func(a, b point) int { return int(a.x - b.x) })
		names, pts = append(names, sys), append(pts, ps)
	}
	return names, pts
}

// WriteSVG plots CPU per forwarded packet against forwarded packets/s.
func (rep *Report) WriteSVG(w io.Writer) {
	names, pts := rep.series()
	maxX, maxY := 1.0, 1.0
	for _, ps := range pts {
		for _, p := range ps {
			maxX, maxY = max(maxX, p.x), max(maxY, p.y)
		}
	}
	maxX, maxY = niceCeil(maxX), niceCeil(maxY)
	sx := func(x float64) float64 { return padL + x/maxX*(plotW-padL-padR) }
	sy := func(y float64) float64 { return plotH - padB - y/maxY*(plotH-padT-padB) }
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%d" y="18" font-size="14">CPU per forwarded packet vs load (medians over rounds)</text>`+"\n", padL)
	writeAxes(w, maxX, maxY, sx, sy)
	for i, ps := range pts {
		c := plotColors[i%len(plotColors)]
		var path string
		for k, p := range ps {
			cmd := "L"
			if k == 0 {
				cmd = "M"
			}
			path += fmt.Sprintf("%s%.1f,%.1f ", cmd, sx(p.x), sy(p.y))
		}
		fmt.Fprintf(w, `<path d="%s" fill="none" stroke="%s" stroke-width="%d"/>`+"\n", path, c, plotStrokeW)
		for _, p := range ps {
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="%d" fill="%s"><title>%s %s: %.0f pps, %.2f µs</title></circle>`+"\n",
				sx(p.x), sy(p.y), plotPointR, c, names[i], p.label, p.x, p.y)
			fmt.Fprintf(w, `<text x="%.1f" y="%.1f" font-size="9" fill="%s">%s</text>`+"\n", sx(p.x)+5, sy(p.y)-5, c, p.label)
		}
		ly := padT + 20 + i*plotLabelShift*2
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			plotW-padR+20, ly-10, c, plotW-padR+38, ly, names[i])
	}
	fmt.Fprintln(w, "</svg>")
}

func writeAxes(w io.Writer, maxX, maxY float64, sx, sy func(float64) float64) {
	fmt.Fprintf(w, `<g stroke="#888">`)
	fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, sx(0), sy(0), sx(maxX), sy(0))
	fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, sx(0), sy(0), sx(0), sy(maxY))
	fmt.Fprintln(w, `</g>`)
	for i := 0; i <= plotXTicks; i++ {
		x := maxX * float64(i) / plotXTicks
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%.0fk</text>`+"\n", sx(x), sy(0)+18, x/1000)
	}
	for i := 0; i <= plotYTicks; i++ {
		y := maxY * float64(i) / plotYTicks
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`, sx(0), sy(y), sx(maxX), sy(y))
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="end">%.0f</text>`+"\n", sx(0)-6, sy(y)+4, y)
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle">forwarded packets/s</text>`+"\n", sx(maxX/2), plotH-12)
	fmt.Fprintf(w, `<text transform="translate(18,%.1f) rotate(-90)" text-anchor="middle">server CPU µs per forwarded packet</text>`+"\n", sy(maxY/2))
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
