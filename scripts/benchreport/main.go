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
	"os"
	"slices"
	"strconv"
	"strings"
)

// metric is one row of the comparison: how to name it, whether a larger
// value is better, and the target issue 5 sets for it.
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
			// Issue 5 target 2: batching must not cost a lone request.
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

// writeSVG draws one horizontal bar per metric: tinysmbd's advantage over
// Samba on a linear scale, with a line at 1 (even) and, for throughput, the
// 1.2 target.
func writeSVG(w io.Writer, rows []row, title string) {
	const (
		left, barH, gap, top = 420, 18, 10, 50
		scaleW               = 360
	)
	maxAdv := 2.0
	for _, r := range rows {
		maxAdv = max(maxAdv, r.advantage)
	}
	x := func(v float64) float64 { return left + v/maxAdv*scaleW }
	height := top + len(rows)*(barH+gap) + 40
	width := left + scaleW + 80
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="10" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	fmt.Fprintf(w, `<text x="10" y="38" fill="#555">bar: how many times better tinysmbd is than Samba (right of the line at 1: tinysmbd ahead)</text>`+"\n")
	for i, r := range rows {
		y := top + i*(barH+gap)
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH-5, html.EscapeString(r.label))
		if !r.ok {
			fmt.Fprintf(w, `<text x="%d" y="%d" fill="#999">no data</text>`+"\n", left+4, y+barH-5)
			continue
		}
		color := "#2b7bb9"
		if r.advantage < 1 {
			color = "#d9534f"
		}
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, x(r.advantage)-left, barH, color)
		fmt.Fprintf(w, `<text x="%.1f" y="%d">%s×</text>`+"\n", x(r.advantage)+4, y+barH-5, figure(r.advantage))
	}
	bottom := top + len(rows)*(barH+gap)
	for _, ref := range []struct {
		v     float64
		label string
		dash  string
	}{{1, "1× (even)", ""}, {1.2, "1.2× (throughput target)", "4 3"}} {
		fmt.Fprintf(w, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#333" stroke-dasharray="%s"/>`+"\n",
			x(ref.v), top-4, x(ref.v), bottom, ref.dash)
	}
	fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" fill="#333">1×</text>`+"\n", x(1), bottom+14)
	fmt.Fprintf(w, `<text x="%.1f" y="%d" fill="#333">1.2× target</text>`+"\n", x(1.2)+4, bottom+28)
	fmt.Fprintln(w, `</svg>`)
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
