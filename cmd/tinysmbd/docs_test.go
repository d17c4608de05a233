package main

import (
	"bufio"
	"bytes"
	"encoding"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// configDoc is the reference page of the flags and config keys.
const configDoc = "../../docs/configuration.md"

// decoderKeys returns every key the config decoder knows, as "table.key"
// ("server.netbios_name", "shares.name"), read from fileConfig's toml tags
// so that a key added to the schema is found without listing it here.
func decoderKeys(t *testing.T) map[string]bool {
	keys := map[string]bool{}
	text := reflect.TypeFor[encoding.TextUnmarshaler]()
	var walk func(table string, st reflect.Type)
	walk = func(table string, st reflect.Type) {
		for i := range st.NumField() {
			f := st.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if f.Anonymous && tag == "" {
				walk(table, f.Type) // limitKeys: its keys belong to the table
				continue
			}
			if !f.IsExported() || tag == "-" {
				continue
			}
			if tag == "" {
				t.Errorf("%s.%s has no toml tag: name its key explicitly", st.Name(), f.Name)
				continue
			}
			key := tag
			if table != "" {
				key = table + "." + tag
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(text) {
				walk(key, ft) // a [table] or [[array of tables]]
				continue
			}
			keys[key] = true
		}
	}
	walk("", reflect.TypeFor[fileConfig]())
	return keys
}

var (
	// headingTable finds the table a heading documents: "### `[server]`".
	headingTable = regexp.MustCompile("^#+ .*`\\[\\[?([a-z_]+)\\]\\]?`")
	// tableRow is a Markdown table row whose first cell is code.
	tableRow = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|")
	// tomlHeader and tomlKey match a TOML table header and a key line, also
	// commented out: the shipped config shows optional keys that way.
	tomlHeader = regexp.MustCompile(`^#?\s*\[\[?([a-z_]+)\]\]?\s*(#.*)?$`)
	tomlKey    = regexp.MustCompile(`^#?\s*([a-z][a-z0-9_]*)\s*=\s*\S`)
	// flagLine is a flag in the output of flag.PrintDefaults.
	flagLine = regexp.MustCompile(`^\s+-([a-zA-Z0-9_-]+)`)
)

// documented reads docs/configuration.md: the keys of its tables under a
// heading naming a TOML table, the flags of its tables whose first cell is
// a flag, and the keys of its TOML examples. Each maps to its line.
func documented(t *testing.T) (keys, flags, exampleKeys map[string]int) {
	data, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatal(err)
	}
	keys, flags, exampleKeys = map[string]int{}, map[string]int{}, map[string]int{}
	table, inTOML, tomlTable := "", false, ""
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		switch {
		case strings.HasPrefix(line, "```"):
			inTOML = !inTOML && strings.HasPrefix(line, "```toml")
			tomlTable = ""
		case inTOML:
			if m := tomlHeader.FindStringSubmatch(line); m != nil {
				tomlTable = m[1]
			} else if m := tomlKey.FindStringSubmatch(line); m != nil {
				exampleKeys[joinKey(tomlTable, m[1])] = n
			}
		case strings.HasPrefix(line, "#"):
			table = ""
			if m := headingTable.FindStringSubmatch(line); m != nil {
				table = m[1]
			}
		default:
			m := tableRow.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			if name, ok := strings.CutPrefix(m[1], "-"); ok {
				name, _, _ = strings.Cut(name, " ")
				flags["-"+name] = n
			} else if table != "" {
				keys[table+"."+m[1]] = n
			}
		}
	}
	return keys, flags, exampleKeys
}

func joinKey(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// shippedKeys returns the keys firmware/tinysmbd.toml sets or shows
// commented out, with their lines.
func shippedKeys(t *testing.T) map[string]int {
	f, err := os.Open("../../firmware/tinysmbd.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]int{}
	table := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if m := tomlHeader.FindStringSubmatch(sc.Text()); m != nil {
			table = m[1]
		} else if m := tomlKey.FindStringSubmatch(sc.Text()); m != nil {
			keys[joinKey(table, m[1])] = n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// commandFlags returns the flags of `tinysmbd` and of `tinysmbd status`
// and `reload`, from their -h output.
func commandFlags(t *testing.T) map[string]bool {
	var usage bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &usage); err == nil {
		t.Fatal("tinysmbd -h: no flag.ErrHelp")
	}
	for _, cmd := range []string{"status", "reload"} {
		if rc := runControlCommand([]string{cmd, "-h"}, io.Discard, &usage); rc != 0 {
			t.Fatalf("tinysmbd %s -h: exit %d", cmd, rc)
		}
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(usage.String(), "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			flags["-"+m[1]] = true
		}
	}
	if !flags["-config"] || !flags["-socket"] {
		t.Fatalf("flags read from -h: %v; the usage format changed", flags)
	}
	return flags
}

// TestConfigurationDoc keeps docs/configuration.md, the config decoder,
// the command's flags and firmware/tinysmbd.toml from drifting apart:
// every key the decoder knows and every flag is documented, and every key
// the page or the shipped config names exists.
func TestConfigurationDoc(t *testing.T) {
	known := decoderKeys(t)
	keys, flags, examples := documented(t)
	compareDoc(t, "config key", known, keys)
	compareDoc(t, "flag", commandFlags(t), flags)
	for k, n := range examples {
		if !known[k] {
			t.Errorf("%s:%d: the example sets key %q, which the config decoder does not know", configDoc, n, k)
		}
	}
	for k, n := range shippedKeys(t) {
		if !known[k] {
			t.Errorf("firmware/tinysmbd.toml:%d sets key %q, which the config decoder does not know", n, k)
		}
	}
}

// compareDoc reports each name the command has and the page's tables lack,
// and each name the tables list that the command does not have.
func compareDoc(t *testing.T, what string, have map[string]bool, doc map[string]int) {
	t.Helper()
	for _, k := range sortedKeys(have) {
		if _, ok := doc[k]; !ok {
			t.Errorf("%s %q is not in the tables of %s", what, k, configDoc)
		}
	}
	for k, n := range doc {
		if !have[k] {
			t.Errorf("%s:%d documents %s %q, which tinysmbd does not know", configDoc, n, what, k)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// markdownLink is an inline link or image target.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocLinks checks that every relative link of the README and the
// pages under docs/ and firmware/ names a file of the repository and, with
// a #fragment, one of its headings.
func TestDocLinks(t *testing.T) {
	pages := []string{"../../README.md", "../../firmware/README.md"}
	more, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, more...)
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			path := page
			if file != "" {
				path = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %q: %v", page, target, err)
				continue
			}
			if frag != "" && strings.HasSuffix(path, ".md") && !slices.Contains(anchors(t, path), frag) {
				t.Errorf("%s: link %q: %s has no heading %q", page, target, path, frag)
			}
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"make run", "make test"} {
		if !bytes.Contains(readme, []byte(cmd)) {
			t.Errorf("README.md does not say %q", cmd)
		}
	}
}

// anchors returns the fragment names of a Markdown page's headings, made
// as GitHub makes them: lower case, punctuation dropped, spaces to dashes.
func anchors(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inCode := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f:
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}

// TestReloadExitCodesDoc holds the exit code table of docs/operations.md
// and the -h text to the codes runControlCommand returns.
func TestReloadExitCodesDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{
		exitApplied: "0 when the config was applied", exitRestart: "3 when it was applied but",
		exitRejected: "4 when the config has errors", exitUnreachable: "1 when the server cannot be reached",
		exitUsage: "2 on a usage error",
	}
	rows := regexp.MustCompile(`(?m)^\| (\d) \| (.*) \|$`).FindAllStringSubmatch(string(doc), -1)
	documented := map[int]bool{}
	for _, r := range rows {
		n, _ := strconv.Atoi(r[1])
		documented[n] = true
		if _, ok := codes[n]; !ok {
			t.Errorf("docs/operations.md documents exit code %d, which reload never returns", n)
		}
	}
	help := strings.ReplaceAll(reloadExitCodes, "\n", " ")
	for n, phrase := range codes {
		if !documented[n] {
			t.Errorf("docs/operations.md lacks reload's exit code %d", n)
		}
		if !strings.Contains(help, phrase) {
			t.Errorf("-h does not say %q", phrase)
		}
	}
}
