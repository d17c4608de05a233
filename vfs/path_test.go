package vfs

import (
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"", "/", nil},
		{`\`, "/", nil},
		{`\\\`, "/", nil},
		{`dir`, "/dir", nil},
		{`\dir\sub\file.txt`, "/dir/sub/file.txt", nil},
		{`/dir/sub/`, "/dir/sub", nil},
		{`\dir\\sub\`, "/dir/sub", nil},
		{`\dir\..`, "/", nil},
		{`\dir\foo\..\test.txt..`, "/dir/test.txt..", nil},
		{`a\b\..\..\c`, "/c", nil},
		{`name with spaces.`, "/name with spaces.", nil},
		{`ünïcödé\日本`, "/ünïcödé/日本", nil},
		// Climbing above the root (Samba raw.chkpath).
		{`..`, "", smb.StatusObjectPathSyntaxBad},
		{`\..`, "", smb.StatusObjectPathSyntaxBad},
		{`\..\`, "", smb.StatusObjectPathSyntaxBad},
		{`..\..\..`, "", smb.StatusObjectPathSyntaxBad},
		{`..\..\..\etc\passwd`, "", smb.StatusObjectPathSyntaxBad},
		{`a\..\..\x`, "", smb.StatusObjectPathSyntaxBad},
		{`/../etc/passwd`, "", smb.StatusObjectPathSyntaxBad},
		// "." is a name Windows refuses, not a no-op.
		{`.`, "", smb.StatusObjectNameInvalid},
		{`.\`, "", smb.StatusObjectNameInvalid},
		{`\.\`, "", smb.StatusObjectNameInvalid},
		{`\dir\.`, "", smb.StatusObjectNameInvalid},
		{`.\.`, "", smb.StatusObjectPathNotFound},
		{`\dir\.\nt`, "", smb.StatusObjectPathNotFound},
		{`\.\\xxx`, "", smb.StatusObjectPathNotFound},
		// Characters a name cannot hold.
		{`a*b`, "", smb.StatusObjectNameInvalid},
		{`\dir\*\file`, "", smb.StatusObjectNameInvalid},
		{`a?`, "", smb.StatusObjectNameInvalid},
		{`a<`, "", smb.StatusObjectNameInvalid},
		{`a>`, "", smb.StatusObjectNameInvalid},
		{`a"`, "", smb.StatusObjectNameInvalid},
		{`a|b`, "", smb.StatusObjectNameInvalid},
		{`file.txt:stream`, "", smb.StatusObjectNameInvalid},
		{`file.txt::$DATA`, "", smb.StatusObjectNameInvalid},
		{"a\x01b", "", smb.StatusObjectNameInvalid},
		{"a\x00b", "", smb.StatusObjectNameInvalid},
		{"a\tb", "", smb.StatusObjectNameInvalid},
		{strings.Repeat("x", 255), "/" + strings.Repeat("x", 255), nil},
		{strings.Repeat("x", 256), "", smb.StatusObjectNameInvalid},
		{strings.Repeat("日", 255), "/" + strings.Repeat("日", 255), nil},
		{strings.Repeat("😀", 128), "", smb.StatusObjectNameInvalid}, // 256 UTF-16 units
	}
	for _, tt := range tests {
		got, err := CleanPath(tt.in)
		if got != tt.want || err != tt.err {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil {
			// A clean path cleans to itself.
			if again, err := CleanPath(got); again != got || err != nil {
				t.Errorf("CleanPath(%q) = %q, %v; not idempotent", got, again, err)
			}
		}
	}
}

func TestSplitPattern(t *testing.T) {
	tests := []struct {
		in, dir, pattern string
		err              error
	}{
		{`\*`, "/", "*", nil},
		{`*`, "/", "*", nil},
		{`\dir\*.txt`, "/dir", "*.txt", nil},
		{`\dir\sub\<"*`, "/dir/sub", `<"*`, nil},
		{`\dir\file.txt`, "/dir", "file.txt", nil},
		{`\dir\`, "/", "dir", nil},
		{``, "/", "", nil},
		{`\`, "/", "", nil},
		{`\dir\.`, "/dir", ".", nil},
		{`\dir\..`, "/dir", "..", nil},
		{`\d*r\*`, "", "", smb.StatusObjectNameInvalid},
		{`\dir\a|b`, "", "", smb.StatusObjectNameInvalid},
		{`\dir\a:b`, "", "", smb.StatusObjectNameInvalid},
		{`..\*`, "", "", smb.StatusObjectPathSyntaxBad},
		{`\.\\\\\\.`, "", "", smb.StatusObjectNameInvalid},
		{`\dir.\.\.\.\foo\..\.\`, "", "", smb.StatusObjectPathNotFound},
	}
	for _, tt := range tests {
		dir, pattern, err := SplitPattern(tt.in)
		if dir != tt.dir || pattern != tt.pattern || err != tt.err {
			t.Errorf("SplitPattern(%q) = %q, %q, %v; want %q, %q, %v",
				tt.in, dir, pattern, err, tt.dir, tt.pattern, tt.err)
		}
	}
}

func TestResolve(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustMkdir(t, s, `\Dir`)
		mustMkdir(t, s, `\Dir\Sub`)
		mustWrite(t, s, `\Dir\Sub\File.TXT`, "x")
		mustWrite(t, s, `\Dir\plain`, "x")
		tests := []struct {
			in, want string
			err      error
		}{
			{"/", "/", nil},
			{"/Dir/Sub/File.TXT", "/Dir/Sub/File.TXT", nil},
			{"/dir/sub/file.txt", "/Dir/Sub/File.TXT", nil},
			{"/DIR/SUB", "/Dir/Sub", nil},
			{"/dIr/PLAIN", "/Dir/plain", nil},
			{"/dir/sub/new.txt", "/Dir/Sub/new.txt", smb.StatusObjectNameNotFound},
			{"/dir/NEW", "/Dir/NEW", smb.StatusObjectNameNotFound},
			{"/missing", "/missing", smb.StatusObjectNameNotFound},
			{"/dir/missing/file", "", smb.StatusObjectPathNotFound},
			{"/missing/file", "", smb.StatusObjectPathNotFound},
			{"/dir/plain/file", "", smb.StatusObjectPathNotFound},
			{"/dir/plain/a/b", "", smb.StatusObjectPathNotFound},
		}
		for _, tt := range tests {
			got, err := Resolve(s.Fs(), tt.in)
			if err != tt.err || (tt.want != "" && got != tt.want) {
				t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		}
	})
}

func TestResolvePrefersExactThenSmallest(t *testing.T) {
	forEachFs(t, func(t *testing.T, s *Share) {
		mustWrite(t, s, `/b`, "1")
		mustWrite(t, s, `/B`, "2")
		if _, err := s.Fs().Stat("/B"); err != nil {
			t.Skip("filesystem is case-insensitive")
		}
		for in, want := range map[string]string{"/b": "/b", "/B": "/B"} {
			if got, err := Resolve(s.Fs(), in); got != want || err != nil {
				t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		mustWrite(t, s, `/x`, "1")
		mustWrite(t, s, `/X`, "2")
		s.Fs().Remove("/x")
		mustWrite(t, s, `/xX`, "3")
		mustWrite(t, s, `/Xx`, "4")
		if got, err := Resolve(s.Fs(), "/xx"); got != "/Xx" || err != nil {
			t.Errorf("Resolve(/xx) = %q, %v; want /Xx", got, err)
		}
	})
}
