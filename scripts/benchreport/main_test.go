package main

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestWriteSVG: bars are on a log scale (2× ahead and 2× behind are bars of
// one length on either side of 1×), and every label fits in the chart,
// taking a character of 12 px sans-serif as at most 7.5 px wide.
func TestWriteSVG(t *testing.T) {
	var rows []row
	for i, adv := range []float64{2, 0.5, 64.1, 1} {
		m := metrics[i]
		m.label = strings.Repeat("long label ", 6+i)
		rows = append(rows, row{metric: m, ok: true, advantage: adv})
	}
	var b strings.Builder
	writeSVG(&b, rows, "title")
	svg := b.String()

	width, _ := strconv.Atoi(regexp.MustCompile(`<svg [^>]*width="(\d+)"`).FindStringSubmatch(svg)[1])
	var bars []float64
	for _, m := range regexp.MustCompile(`<rect x="[\d.]+" y="\d+" width="([\d.]+)"`).FindAllStringSubmatch(svg, -1) {
		w, _ := strconv.ParseFloat(m[1], 64)
		bars = append(bars, w)
	}
	if len(bars) != len(rows) {
		t.Fatalf("%d bars for %d rows:\n%s", len(bars), len(rows), svg)
	}
	if math.Abs(bars[0]-bars[1]) > 0.2 || bars[0] == 0 {
		t.Errorf("2× and 0.5× bars are %.1f and %.1f px: not a log scale", bars[0], bars[1])
	}
	if math.Abs(bars[2]/bars[0]-math.Log2(64.1)) > 0.05 {
		t.Errorf("a 64.1× bar is %.1f px against %.1f px for 2×: not a log scale", bars[2], bars[0])
	}
	if bars[3] != 0 {
		t.Errorf("a 1× bar is %.1f px wide", bars[3])
	}
	for _, m := range regexp.MustCompile(`<text x="([\d.]+)" y="\d+"(?: text-anchor="(\w+)")?[^>]*>([^<]*)</text>`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		w := 7.5 * float64(utf8.RuneCountInString(m[3]))
		left, right := x, x+w
		switch m[2] {
		case "end":
			left, right = x-w, x
		case "middle":
			left, right = x-w/2, x+w/2
		}
		if left < 0 || right > float64(width) {
			t.Errorf("text %q spans %.0f to %.0f px, outside the %d px chart", m[3], left, right, width)
		}
	}
}
