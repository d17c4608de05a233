package vfs

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// 8.3 short names. Windows keeps a second, DOS-compatible name for every
// file whose name is not one already; SMB1 clients see it in
// SMB_FIND_FILE_BOTH_DIRECTORY_INFO's ShortName, in
// SMB_QUERY_FILE_ALT_NAME_INFO, and as the only name a core SEARCH can
// carry, and they may open the file by it. A POSIX filesystem stores no
// such name, so tinysmbd computes one, as Samba's hash2 mangling does: a
// pure function of the long name, identical for every spelling in case,
// so no table has to be kept for lookups. The form is
//
//	PPHHHH~H.EEE
//
// P: the first two characters of the base name that 8.3 allows,
// upper-cased ("_" when there are fewer); H: five base-36 digits of a hash
// of the case-folded long name; EEE: up to three 8.3 characters of the
// extension (after the last dot), upper-cased. The hash makes two names
// share a short name about once in 60 million pairs with the same prefix.

// shortChars are the characters besides letters and digits MS-FSCC
// 2.1.5.2.1 allows in an 8.3 name.
const shortChars = "!#$%&'()-@^_`{}~"

// isShortChar reports whether c may appear in an 8.3 name component.
func isShortChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte(shortChars, c) >= 0
}

// Is83 reports whether name is already a valid 8.3 name: one to eight
// characters, optionally a dot and one to three more, each a letter, a
// digit or one of !#$%&'()-@^_`{}~ (MS-FSCC 2.1.5.2.1). Case does not
// matter, as in Samba's is_8_3 for an existing name. "." and ".." are.
func Is83(name string) bool {
	if name == "." || name == ".." {
		return true
	}
	base, ext, dot := strings.Cut(name, ".")
	if base == "" || len(base) > 8 || len(ext) > 3 || dot && ext == "" {
		return false
	}
	for i := 0; i < len(base); i++ {
		if !isShortChar(base[i]) {
			return false
		}
	}
	for i := 0; i < len(ext); i++ {
		if !isShortChar(ext[i]) {
			return false
		}
	}
	return true
}

// Mangle returns the 8.3 name tinysmbd gives name (see the form above),
// whether or not name is itself 8.3; ShortName and AltName choose when to
// use it. Names that differ only in case mangle alike.
func Mangle(name string) string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	h := foldHash(name)
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		base, ext = name[:i], name[i+1:]
	}
	var b [12]byte
	n := 0
	for _, r := range base {
		if n == 2 {
			break
		}
		if c, ok := shortChar(r); ok && c != '~' {
			b[n] = c
			n++
		}
	}
	for ; n < 2; n++ {
		b[n] = '_'
	}
	v := h % (36 * 36 * 36 * 36 * 36)
	for i := 5; i >= 2; i-- {
		b[i] = digits[v%36]
		v /= 36
	}
	b[6] = '~'
	b[7] = digits[v%36]
	n = 8
	e := 0
	for _, r := range ext {
		if e == 3 {
			break
		}
		if c, ok := shortChar(r); ok {
			if e == 0 {
				b[n] = '.'
				n++
			}
			b[n] = c
			n++
			e++
		}
	}
	return string(b[:n])
}

// ShortName is the ShortName SMB_FIND_FILE_BOTH_DIRECTORY_INFO reports: ""
// for a name that is already 8.3, as Windows and Samba leave it empty,
// otherwise Mangle(name).
func ShortName(name string) string {
	if Is83(name) {
		return ""
	}
	return Mangle(name)
}

// AltName is the name SMB_QUERY_FILE_ALT_NAME_INFO reports and a core
// SEARCH shows: an 8.3 name as it is (Samba's name_to_8_3), otherwise
// Mangle(name).
func AltName(name string) string {
	if Is83(name) {
		return name
	}
	return Mangle(name)
}

// IsMangled reports whether name has the form Mangle produces, in any case:
// a client that sends one may mean a long name.
func IsMangled(name string) bool {
	base, ext, dot := strings.Cut(name, ".")
	if len(base) != 8 || base[6] != '~' || len(ext) > 3 || dot && ext == "" {
		return false
	}
	for i := 2; i < 8; i++ {
		if c := base[i]; i != 6 && !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return Is83(name)
}

// shortChar returns the character r stands for in a short name, upper
// case, if 8.3 allows it; runes outside ASCII fold first, so that KELVIN
// SIGN gives K as k does.
func shortChar(r rune) (byte, bool) {
	r = foldRune(r)
	if r >= utf8.RuneSelf || !isShortChar(byte(r)) {
		return 0, false
	}
	return byte(r), true
}

// foldHash is FNV-1a over the case-folded runes of name (foldRune), so
// names equal under strings.EqualFold hash alike. It does not allocate.
func foldHash(name string) uint32 {
	h := uint32(2166136261)
	for _, r := range name {
		r = foldRune(r)
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		for _, c := range buf[:n] {
			h ^= uint32(c)
			h *= 16777619
		}
	}
	return h
}

// foldRune maps r to the smallest rune of its simple case-folding orbit
// (unicode.SimpleFold), the representative strings.EqualFold's equivalence
// classes share: 'a', 'A' → 'A'; 'k', 'K', KELVIN SIGN → 'K'.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// foldKey returns name with every rune replaced by foldRune's
// representative: strings.EqualFold(a, b) exactly when foldKey(a) ==
// foldKey(b). A name already in that form comes back without allocating.
func foldKey(name string) string {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf || 'a' <= c && c <= 'z' {
			var b strings.Builder
			b.Grow(len(name))
			b.WriteString(name[:i])
			for _, r := range name[i:] {
				b.WriteRune(foldRune(r))
			}
			return b.String()
		}
	}
	return name
}

// mangleCacheSize bounds the short names a Share remembers for creating
// files by them.
const mangleCacheSize = 1024

// mangleCache remembers the long names behind short names the server has
// handed out, so that a client that deletes a file and creates it again by
// its short name (smbtorture base.mangle, 16-bit installers) gets the long
// name back, as Samba's mangling cache gives it. Lookups of existing files
// do not need it: the directory index recomputes short names. It is
// bounded, first in first out.
type mangleCache struct {
	mu    sync.Mutex
	long  map[string]string // upper-case short name → long name
	order [mangleCacheSize]string
	next  int
}

// remember records that short (as Mangle made it) stands for long.
func (m *mangleCache) remember(short, long string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.long == nil {
		m.long = make(map[string]string)
	}
	if _, ok := m.long[short]; !ok {
		if old := m.order[m.next]; old != "" {
			delete(m.long, old)
		}
		m.order[m.next] = short
		m.next = (m.next + 1) % mangleCacheSize
	}
	m.long[short] = long
}

// lookup returns the long name remembered for a short name in any case.
func (m *mangleCache) lookup(short string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	long, ok := m.long[strings.ToUpper(short)]
	return long, ok
}
