// Command benchreport turns the raw samples of scripts/bench-compare.sh and
// the output of `make bench` into the performance page: a Markdown table of
// medians and ratios and an SVG chart of the ratios, so the page is
// regenerated, never edited, when the figures change (`make perf-docs`).
//
//	benchreport -samples bin/bench-compare.tsv -gobench bin/bench.txt \
//	        -md docs/performance.md -svg docs/performance.svg
//
// The samples file has one "server metric round value" line per sample;
// server "meta" lines carry the machine, the date and the settings of the run.
// It imports only the standard library: it is a build tool, not part of the
// server.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// metric is one row of the comparison: how to name it, whether a larger
// value is better, and the performance target set for it.
type metric struct {
	key          string
	label        string
	higherBetter bool
	target       string
}

// metrics are the rows, in the page's order.
var metrics = []metric{
	{"get_mbs", "read MB/s (smbclient get)", true, "≥ 1.2× Samba"},
	{"put_mbs", "write MB/s (smbclient put)", true, "≥ 1.2× Samba"},
	{"get_cpu_s_per_gib", "server CPU s/GiB, read", false, ""},
	{"put_cpu_s_per_gib", "server CPU s/GiB, write", false, ""},
	{"get_signed_mbs", "read MB/s, signed (smbclient client signing = required)", true, ""},
	{"put_signed_mbs", "write MB/s, signed (smbclient client signing = required)", true, ""},
	{"get_signed_cpu_s_per_gib", "server CPU s/GiB, signed read", false, ""},
	{"put_signed_cpu_s_per_gib", "server CPU s/GiB, signed write", false, ""},
	{"wpr_echo_1", "write syscalls per response, ECHO depth 1", false, ""},
	{"wpr_echo_32", "write syscalls per response, 32 ECHOs in one segment", false, "≤ 0.1"},
	{"wpr_read_32", "write syscalls per response, 32 READ_ANDX(512) in one segment", false, "≤ 0.1"},
	{"us_echo_1", "µs per response, ECHO depth 1 (median round trip, best of 3 connections)", false, "not worse than unbatched"},
	{"us_echo_32", "µs per response, 32 ECHOs in one segment", false, ""},
	{"us_read_32", "µs per response, 32 READ_ANDX(512) in one segment", false, ""},
	{"kib_per_idle_conn", "KiB PSS per idle logged-on connection", false, "≤ 32 (tinysmbd)"},
}

// samples holds every value of the run by server and metric, and the meta
// lines by key.
type samples struct {
	values map[string]map[string][]float64
	meta   map[string]string
}

func readSamples(r io.Reader) (*samples, error) {
	s := &samples{values: map[string]map[string][]float64{}, meta: map[string]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		f := strings.SplitN(sc.Text(), "\t", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want 4 tab-separated fields, have %d", line, len(f))
		}
		if f[0] == "meta" {
			s.meta[f[1]] = f[3]
			continue
		}
		v, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		if s.values[f[0]] == nil {
			s.values[f[0]] = map[string][]float64{}
		}
		s.values[f[0]][f[1]] = append(s.values[f[0]][f[1]], v)
	}
	return s, sc.Err()
}

// median returns the median of the server's samples of key, and false when
// there are none.
func (s *samples) median(server, key string) (float64, bool) {
	v := slices.Clone(s.values[server][key])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// joinFigures formats samples for the page, in the order they were taken.
func joinFigures(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = figure(x)
	}
	return strings.Join(parts, ", ")
}

// row is a metric with its medians and tinysmbd's advantage: the factor by
// which tinysmbd is better than Samba (above 1 is better, whichever way the
// metric runs).
type row struct {
	metric
	samba, tiny float64
	advantage   float64
	ok          bool
}

func (s *samples) rows() []row {
	var out []row
	for _, m := range metrics {
		a, okA := s.median("samba", m.key)
		b, okB := s.median("tiny", m.key)
		r := row{metric: m, samba: a, tiny: b, ok: okA && okB}
		switch {
		case !r.ok:
		case m.higherBetter && a > 0:
			r.advantage = b / a
		case !m.higherBetter && b > 0:
			r.advantage = a / b
		}
		out = append(out, r)
	}
	return out
}

func figure(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// goBenchLines keeps the benchmark result lines of `go test -bench` output,
// with the package each belongs to.
func goBenchLines(r io.Reader) []string {
	var out []string
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/tinysmbd/tinysmbd/")
			continue
		}
		if strings.HasPrefix(line, "Benchmark") && strings.Contains(line, "ns/op") {
			out = append(out, pkg+"\t"+line)
		}
	}
	return out
}

func writeMarkdown(w io.Writer, s *samples, rows []row, bench []string, svgName string) {
	m := s.meta
	fmt.Fprintf(w, "# Performance\n\n")
	fmt.Fprintf(w, "Generated by `make perf-docs` (scripts/bench-compare.sh, then scripts/benchreport); do not edit.\n\n")
	fmt.Fprintf(w, "tinysmbd and Samba %s measured side by side in one run on %s: %s CPUs (%s), Linux %s, %s.\n",
		m["samba_version"], m["date"], m["cpus"], m["cpu_model"], m["kernel"], m["go_version"])
	fmt.Fprintf(w, "smbclient forced to NT1 over loopback, a %s MiB file, servers alternating A B A B for %s rounds; every figure is the median.\n",
		m["size_mib"], m["rounds"])
	fmt.Fprintf(w, "Load average before the run %s, after %s (the machine is shared: compare the ratios, not the absolute figures).\n\n",
		m["load_before"], m["load_after"])
	fmt.Fprintf(w, "Command: `%s`\n\n", m["command"])
	fmt.Fprintf(w, "![tinysmbd relative to Samba](%s)\n\n", svgName)
	fmt.Fprintf(w, "| metric | Samba | tinysmbd | tinysmbd better by | target |\n|---|---:|---:|---:|---|\n")
	for _, r := range rows {
		if !r.ok {
			fmt.Fprintf(w, "| %s | – | – | – | %s |\n", r.label, r.target)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s× | %s |\n", r.label, figure(r.samba), figure(r.tiny), figure(r.advantage), r.target)
	}
	fmt.Fprintf(w, "\n\"Better by\" is tinysmbd/Samba where more is better (MB/s) and Samba/tinysmbd where less is better; above 1 tinysmbd is ahead.\n")
	if batched, ok := s.median("tiny", "us_echo_1"); ok {
		if unbatched, ok := s.median("tiny-unbatched", "us_echo_1"); ok && unbatched > 0 {
			// The target: batching must not cost a lone request.
			fmt.Fprintf(w, "Batching and a lone request: ECHO depth 1 takes %s µs per round trip (median) with batching and %s µs with it off "+
				"(a second tinysmbd with max_mpx_count = 1, sampled next to the first in every round): batched/unbatched = %s.\n",
				figure(batched), figure(unbatched), figure(batched/unbatched))
		}
	}
	fmt.Fprintf(w, "Write syscalls are counted from /proc/PID/io `syscw` of the process serving the connection (for Samba, its smbd child).\n")
	// Every transfer sample, in the order taken: on a shared VM the spread
	// says more than the median, and a reader should see it.
	for _, k := range []struct{ key, what string }{{"get_mbs", "read"}, {"put_mbs", "write"}} {
		fmt.Fprintf(w, "Every %s sample (MB/s): Samba %s; tinysmbd %s.\n", k.what,
			joinFigures(s.values["samba"][k.key]), joinFigures(s.values["tiny"][k.key]))
	}
	if len(bench) > 0 {
		fmt.Fprintf(w, "\n## Go benchmarks (`make bench`)\n\n```\n")
		for _, b := range bench {
			fmt.Fprintln(w, b)
		}
		fmt.Fprintf(w, "```\n")
	}
}

// writeSVG draws one bar per metric: tinysmbd's advantage over Samba on a
// log2 scale, so that 2× ahead and 2× behind are bars of one length either
// side of the line at 1, and 64× does not flatten the rest; a dashed line
// marks the 1.2 throughput target. Each label sits on its own line above its
// bar, across the full width, so that no label is cut off however long.
func writeSVG(w io.Writer, rows []row, title string) {
	const (
		margin, width    = 20, 860
		labelH, barH     = 16, 16
		rowH, top        = labelH + barH + 10, 56
		valueRoom, axisH = 60, 40
	)
	// The scale spans whole powers of two around every ratio, at least
	// 1/2 to 2.
	lo, hi := -1.0, 1.0
	for _, r := range rows {
		if r.ok && r.advantage > 0 {
			lo = min(lo, math.Floor(math.Log2(r.advantage)))
			hi = max(hi, math.Ceil(math.Log2(r.advantage)))
		}
	}
	x0, x1 := float64(margin+valueRoom), float64(width-margin-valueRoom)
	x := func(v float64) float64 { return x0 + (math.Log2(v)-lo)/(hi-lo)*(x1-x0) }
	bottom := top + len(rows)*rowH
	height := bottom + axisH
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", margin, html.EscapeString(title))
	fmt.Fprintf(w, `<text x="%d" y="38" fill="#555">how many times better tinysmbd is than Samba, log scale: right of 1× tinysmbd is ahead, left behind</text>`+"\n", margin)
	for p := lo; p <= hi; p++ {
		v := math.Exp2(p)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(v), top-4, x(v), bottom)
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">%s×</text>`+"\n", x(v), bottom+14, tick(v))
	}
	fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333"/>`+"\n", x(1), top-4, x(1), bottom)
	fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333" stroke-dasharray="4 3"/>`+"\n", x(1.2), top-4, x(1.2), bottom)
	// Text drawn over the lines gets a white outline, so the lines never
	// strike through it.
	fmt.Fprintln(w, `<g stroke="white" stroke-width="4" paint-order="stroke" stroke-linejoin="round">`)
	for i, r := range rows {
		y := top + i*rowH
		fmt.Fprintf(w, `<text x="%d" y="%d">%s</text>`+"\n", margin, y+labelH-4, html.EscapeString(r.label))
		y += labelH
		if !r.ok || r.advantage <= 0 {
			fmt.Fprintf(w, `<text x="%.1f" y="%d" fill="#999">no data</text>`+"\n", x(1)+4, y+barH-4)
			continue
		}
		end, color, anchor, dx := x(r.advantage), "#2b7bb9", "start", 4.0
		if r.advantage < 1 {
			color, anchor, dx = "#d9534f", "end", -4
		}
		fmt.Fprintf(w, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" stroke="none"/>`+"\n", min(end, x(1)), y, math.Abs(end-x(1)), barH, color)
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="%s">%s×</text>`+"\n", end+dx, y+barH-4, anchor, figure(r.advantage))
	}
	fmt.Fprintln(w, `</g>`)
	fmt.Fprintf(w, `<text x="%.1f" y="%d" fill="#333">dashed: 1.2× throughput target</text>`+"\n", x(1.2)+4, bottom+30)
	fmt.Fprintln(w, `</svg>`)
}

// tick names a power of two of the scale: "1/4", "1", "32".
func tick(v float64) string {
	if v < 1 {
		return "1/" + strconv.Itoa(int(math.Round(1/v)))
	}
	return strconv.Itoa(int(v))
}

func main() {
	samplesPath := flag.String("samples", "bin/bench-compare.tsv", "raw samples written by scripts/bench-compare.sh")
	goBench := flag.String("gobench", "bin/bench.txt", "output of `make bench` (optional: left out when missing)")
	mdPath := flag.String("md", "docs/performance.md", "Markdown page to write")
	svgPath := flag.String("svg", "docs/performance.svg", "SVG chart to write")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchreport: ")

	f, err := os.Open(*samplesPath)
	if err != nil {
		log.Fatal(err)
	}
	s, err := readSamples(f)
	f.Close()
	if err != nil {
		log.Fatalf("%s: %v", *samplesPath, err)
	}
	rows := s.rows()
	var bench []string
	if g, err := os.Open(*goBench); err == nil {
		bench = goBenchLines(g)
		g.Close()
	}

	var svg strings.Builder
	writeSVG(&svg, rows, "tinysmbd vs Samba "+s.meta["samba_version"]+", "+s.meta["date"])
	if err := os.WriteFile(*svgPath, []byte(svg.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	var md strings.Builder
	svgName := *svgPath
	if i := strings.LastIndexByte(svgName, '/'); i >= 0 {
		svgName = svgName[i+1:]
	}
	writeMarkdown(&md, s, rows, bench, svgName)
	if err := os.WriteFile(*mdPath, []byte(md.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("benchreport: wrote %s and %s\n", *mdPath, *svgPath)
}
