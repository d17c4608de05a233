package vfs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DOS wildcards (MS-FSA 2.1.4.4), produced from "?", "*" and "." by the
// Win32 layer and by ConvertLegacyPattern.
const (
	dosStar = '<' // DOS_STAR
	dosQM   = '>' // DOS_QM
	dosDot  = '"' // DOS_DOT
)

// HasWildcards reports whether pattern contains any of *?<>".
func HasWildcards(pattern string) bool {
	return strings.ContainsAny(pattern, `*?<>"`)
}

// Match reports whether name matches pattern under MS-FSA 2.1.4.4
// (FsRtlIsNameInExpression), ignoring case:
//
//   - '*' matches zero or more characters, '?' exactly one;
//   - '<' (DOS_STAR) matches zero or more characters but never the last '.'
//     of name;
//   - '>' (DOS_QM) matches one character other than '.', or nothing when
//     name is at a '.' or at its end;
//   - '"' (DOS_DOT) matches a '.', or nothing at the end of name.
//
// As Windows servers do for SMB1, "*.*" matches every name, including names
// without a dot.
func Match(pattern, name string) bool {
	switch {
	case pattern == "*" || pattern == "*.*":
		return true
	case !HasWildcards(pattern):
		return strings.EqualFold(pattern, name)
	}
	p := []rune(pattern)
	var buf [2 * 65]bool
	var cur, next []bool
	if len(p)+1 <= len(buf)/2 {
		cur, next = buf[:len(p)+1], buf[len(p)+1:2*(len(p)+1)]
	} else {
		cur, next = make([]bool, len(p)+1), make([]bool, len(p)+1)
	}
	lastDot := strings.LastIndexByte(name, '.')

	// The pattern is an NFA whose state i means "p[:i] has matched". All
	// epsilon moves go from i to i+1, so one forward pass closes a set.
	closure := func(s []bool, c rune, atEnd bool) {
		for i, pc := range p {
			if !s[i] {
				continue
			}
			switch pc {
			case '*', dosStar:
				s[i+1] = true
			case dosQM:
				if atEnd || c == '.' {
					s[i+1] = true
				}
			case dosDot:
				if atEnd {
					s[i+1] = true
				}
			}
		}
	}

	cur[0] = true
	for j, c := range name {
		closure(cur, c, false)
		clear(next)
		alive := false
		for i, pc := range p {
			if !cur[i] {
				continue
			}
			switch pc {
			case '*':
				next[i] = true
			case dosStar:
				if c != '.' || j < lastDot {
					next[i] = true
				}
			case '?':
				next[i+1] = true
			case dosQM:
				if c != '.' {
					next[i+1] = true
				}
			case dosDot:
				if c == '.' {
					next[i+1] = true
				}
			default:
				if foldEqual(pc, c) {
					next[i+1] = true
				}
			}
		}
		for _, b := range next {
			alive = alive || b
		}
		if !alive {
			return false
		}
		cur, next = next, cur
	}
	closure(cur, utf8.RuneError, true)
	return cur[len(p)]
}

// foldEqual compares two runes the way strings.EqualFold compares strings.
func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// ConvertLegacyPattern rewrites a pattern from a client that predates NT
// wildcards (core SEARCH, LANMAN FIND_FIRST: "????????.???", "*.") into the
// DOS-wildcard form Match understands, as the Win32 layer does before
// calling the file system: '?' becomes DOS_QM, '*' followed by '.' becomes
// DOS_STAR, and '.' followed by '?', '*' or the end becomes DOS_DOT. So
// "????????.???" matches "a" and "a.b" but not "abcdefghi", and "*." matches
// only names without an extension.
func ConvertLegacyPattern(pattern string) string {
	if pattern == "*.*" {
		return "*"
	}
	b := []byte(pattern)
	for i, c := range b {
		end := i+1 == len(b)
		var nxt byte
		if !end {
			nxt = pattern[i+1]
		}
		switch {
		case c == '?':
			b[i] = dosQM
		case c == '*' && nxt == '.':
			b[i] = dosStar
		case c == '.' && (nxt == '?' || nxt == '*' || end):
			b[i] = dosDot
		}
	}
	return string(b)
}
