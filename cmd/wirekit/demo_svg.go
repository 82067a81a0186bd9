package main

import (
	"bytes"
	"fmt"
	"html"
)

// The chart: two panels, server CPU per request and requests/s, each with a
// horizontal bar per side scaled to the larger of the two. Written by hand,
// as SVG is text; every string in it goes through html.EscapeString, which
// escapes what XML needs.
const (
	svgWidth   = 720
	svgLabelX  = 150 // right edge of the side names
	svgBarX    = 160
	svgBarMax  = 440 // the longer bar of a panel
	svgBarH    = 22
	svgBarGap  = 6
	svgPanelH  = 100
	svgPanelY0 = 86
)

var svgColors = [len(demoSides)]string{"#2563eb", "#d97706"}

// svgChart draws r. Bars have ids "<metric>-<proto>": server_cpu-wirekit,
// requests_per_sec-http, ...
func svgChart(r *demoResult) []byte {
	panels := []struct {
		metric, title string
		value         func(sideResult) float64
		label         func(float64) string
	}{
		{"server_cpu", "server CPU time per request (lower is better)",
			func(s sideResult) float64 { return s.ServerCPUMicros }, fmtMicros},
		{"requests_per_sec", "requests per second (higher is better)",
			func(s sideResult) float64 { return s.RequestsPerSec },
			func(v float64) string { return thousands(int64(v)) }},
	}
	var b bytes.Buffer
	height := svgPanelY0 + len(panels)*svgPanelH
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" font-family="sans-serif" font-size="13">`+"\n", svgWidth, height)
	title := "WK orders v1: wirekit vs HTTP/1.1 + JSON"
	fmt.Fprintf(&b, "<title>%s</title>\n", html.EscapeString(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, height)
	svgText(&b, 20, 28, ` font-size="17" font-weight="bold"`, title)
	wk, http := r.Sides[0], r.Sides[1]
	svgText(&b, 20, 48, ` fill="#555" font-size="12"`, fmt.Sprintf("%d requests in flight: wirekit on %d connections, pipelined; HTTP on %d connections, one each",
		wk.InFlight, wk.Connections, http.Connections))
	svgText(&b, 20, 64, ` fill="#555" font-size="12"`, fmt.Sprintf("%v measured per side · %d CPUs shared by the load and the server · %s %s",
		asDuration(r.DurationSec), r.CPUs, r.GoVersion, r.Platform))
	for i, p := range panels {
		y := svgPanelY0 + i*svgPanelH
		svgText(&b, 20, y+14, ` font-weight="bold"`, p.title)
		top := max(p.value(wk), p.value(http))
		for j, s := range r.Sides {
			v := p.value(s)
			w := 0.0
			if top > 0 {
				w = max(v/top*svgBarMax, 1)
			}
			by := y + 24 + j*(svgBarH+svgBarGap)
			svgText(&b, svgLabelX, by+16, ` text-anchor="end"`, s.Server)
			fmt.Fprintf(&b, `<rect id="%s-%s" x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
				p.metric, demoSides[j].proto, svgBarX, by, w, svgBarH, svgColors[j], html.EscapeString(s.Server+": "+p.label(v)))
			svgText(&b, svgBarX+int(w)+8, by+16, "", p.label(v))
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// svgText writes a <text> element; attrs, extra attributes each with a space
// before it, go in as they are.
func svgText(b *bytes.Buffer, x, y int, attrs, s string) {
	fmt.Fprintf(b, `<text x="%d" y="%d"%s>%s</text>`+"\n", x, y, attrs, html.EscapeString(s))
}
