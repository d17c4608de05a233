package vfs

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		// '*' and '*.*' match everything.
		{"*", "anything", true},
		{"*", ".", true},
		{"*", "..", true},
		{"*.*", "noext", true},
		{"*.*", "a.b", true},
		{"*.*", ".", true},
		// Literals, case-insensitive.
		{"File.TXT", "file.txt", true},
		{"file.txt", "file.txt2", false},
		{"ÄBC", "äbc", true},
		{"straße", "STRASSE", false}, // simple folding only, as EqualFold
		{"k", "\u212a", true},        // Kelvin sign folds to k
		// '*' and '?'.
		{"*.txt", "a.TXT", true},
		{"*.txt", "a.b.txt", true},
		{"*.txt", "a.txt.bak", false},
		{"*.txt", ".txt", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "abbc", false},
		{"??", "ab", true},
		{"??", "a", false},
		{"*a*b", "xxaxxb", true},
		{"*a*b", "xxbxxa", false},
		{"a*", "a", true},
		{"*x*y*z*", "axbyczd", true},
		{"*x*y*z*", "axbzcyd", false},
		{"?.*", "a.", true},
		// DOS_STAR '<': anything but the last dot.
		{"<.txt", "a.b.txt", true},
		{"<.txt", "a.txt", true},
		{"<.txt", "atxt", false},
		{"<", "abc", true},
		{"<", "a.b", false},
		{"<", "", true},
		{`<"*`, "abc", true},
		{`<"*`, "a.b", true},
		{`<"*`, "a.b.c", true},
		{`<"`, "abc", true},
		{`<"`, "abc.", true},
		{`<"`, "a.b", false},
		// DOS_QM '>': one non-dot character, or nothing at a dot or the end.
		{"A>.TXT", "A.TXT", true},
		{"A>.TXT", "AB.TXT", true},
		{"A>.TXT", "ABC.TXT", false},
		{"A>", "A", true},
		{"A>", "AB", true},
		{"A>", "ABC", false},
		{">>>", "ab", true},
		{">>>", "abcd", false},
		{">B", "B", false},
		{`>>>>>>>>">>>`, "abc", true},
		{`>>>>>>>>">>>`, "abcdefgh", true},
		{`>>>>>>>>">>>`, "abcdefghi", false},
		{`>>>>>>>>">>>`, "abcdefgh.txt", true},
		{`>>>>>>>>">>>`, "abc.defg", false},
		{`>>>>>>>>">>>`, "a.b", true},
		// DOS_DOT '"': a dot, or nothing at the end.
		{`foo"`, "foo", true},
		{`foo"`, "foo.", true},
		{`foo"`, "foo.x", false},
		{`foo"txt`, "foo.txt", true},
		{`foo"txt`, "footxt", false},
		// Degenerate patterns.
		{"", "", true},
		{"", "a", false},
		{"a", "", false},
		{"*", "", true},
		{strings.Repeat("?", 100), strings.Repeat("x", 100), true},
		{strings.Repeat("?", 100), strings.Repeat("x", 99), false},
		{strings.Repeat("*a", 80) + "b", strings.Repeat("a", 200), false},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestConvertLegacyPattern(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*.*", "*"},
		{"*", "*"},
		{"????????.???", `>>>>>>>>">>>`},
		{"*.", `<"`},
		{"*.txt", "<.txt"},
		{"a?.t*", "a>.t*"},
		{"a.?", `a">`},
		{"file.txt", "file.txt"},
	}
	for _, tt := range tests {
		if got := ConvertLegacyPattern(tt.in); got != tt.want {
			t.Errorf("ConvertLegacyPattern(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The converted forms behave like DOS 8.3 matching.
	for _, tt := range []struct {
		pattern, name string
		want          bool
	}{
		{"????????.???", "readme", true},
		{"????????.???", "a.b", true},
		{"????????.???", "toolongname", false},
		{"*.", "noext", true},
		{"*.", "has.ext", false},
		{"*.*", "noext", true},
	} {
		if got := Match(ConvertLegacyPattern(tt.pattern), tt.name); got != tt.want {
			t.Errorf("Match(legacy %q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Match("<.txt", "some.long.file.name.txt")
	}
}
