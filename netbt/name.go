package netbt

import (
	"bytes"
	"errors"
	"strings"
)

const (
	// MaxNameLen is the longest NetBIOS name, without its suffix byte:
	// names are 16 bytes, the last one the suffix (RFC 1001 14.1).
	MaxNameLen = 15

	// MaxEncodedNameLen bounds an encoded name, labels and terminator
	// included (RFC 1035 2.3.4, whose label rules RFC 1002 4.1 adopts).
	MaxEncodedNameLen = 255

	// MaxDecodedNameLen is the most bytes DecodeName appends to dst: a
	// 15-byte name and a 220-byte dotted scope.
	MaxDecodedNameLen = MaxNameLen + maxScopeLen

	encodedLabelLen = 32                                    // 16 bytes, one letter per nibble
	minEncodedLen   = 1 + encodedLabelLen + 1               // length, name, terminator
	maxScopeLen     = MaxEncodedNameLen - minEncodedLen - 1 // dotted: labels plus dots
	maxLabelLen     = 63                                    // RFC 1035 2.3.4
	labelPointer    = 0xC0                                  // RFC 1002 4.1: top bits 11
)

var (
	errNameTruncated = errors.New("netbt: encoded name truncated")
	errNameLength    = errors.New("netbt: first label of encoded name is not 32 bytes")
	errNameChar      = errors.New("netbt: encoded name has a character outside A-P")
	errNamePointer   = errors.New("netbt: label pointer in session service name")
	errNameLabel     = errors.New("netbt: scope label longer than 63 bytes")
	errNameDot       = errors.New("netbt: scope label contains a dot")
	errNameTooLong   = errors.New("netbt: encoded name longer than 255 bytes")
)

// EncodeName appends the first-level encoding of a NetBIOS name
// (RFC 1001 14.1): name padded with spaces to 15 bytes, then suffix, each
// byte split into two nibbles written as 'A'+nibble, in a 32-byte label;
// then one label per dot-separated part of scope; then a zero byte.
// EncodeName panics if name is longer than MaxNameLen or scope has an empty
// label, a label longer than 63 bytes, or makes the result exceed
// MaxEncodedNameLen; callers pass names they control.
func EncodeName(dst []byte, name string, suffix byte, scope string) []byte {
	if len(name) > MaxNameLen {
		panic("netbt: NetBIOS name longer than 15 bytes")
	}
	if len(scope) > maxScopeLen {
		panic("netbt: NetBIOS scope too long")
	}
	dst = append(dst, encodedLabelLen)
	for i := range MaxNameLen {
		c := byte(' ')
		if i < len(name) {
			c = name[i]
		}
		dst = append(dst, 'A'+c>>4, 'A'+c&0x0F)
	}
	dst = append(dst, 'A'+suffix>>4, 'A'+suffix&0x0F)
	for scope != "" {
		label, rest, more := strings.Cut(scope, ".")
		if len(label) == 0 || len(label) > maxLabelLen || more && rest == "" {
			panic("netbt: malformed NetBIOS scope")
		}
		dst = append(dst, byte(len(label)))
		dst = append(dst, label...)
		scope = rest
	}
	return append(dst, 0)
}

// DecodeName decodes the encoded name at the start of encoded, appending
// the name, without its trailing spaces, and then the dotted scope to dst
// and returning them as sub-slices of the result. n is the number of bytes
// of encoded the name occupied. DecodeName allocates only when dst has less
// than MaxDecodedNameLen bytes of spare capacity.
func DecodeName(dst, encoded []byte) (name []byte, suffix byte, scope []byte, n int, err error) {
	n, err = scanName(encoded)
	if err != nil {
		return nil, 0, nil, 0, err
	}
	var raw [MaxNameLen + 1]byte
	for i := range raw {
		raw[i] = (encoded[1+2*i]-'A')<<4 | (encoded[2+2*i] - 'A')
	}
	end := MaxNameLen
	for end > 0 && raw[end-1] == ' ' {
		end--
	}
	start := len(dst)
	dst = append(dst, raw[:end]...)
	name = dst[start:len(dst):len(dst)]

	start = len(dst)
	for off := minEncodedLen - 1; encoded[off] != 0; off += 1 + int(encoded[off]) {
		if len(dst) > start {
			dst = append(dst, '.')
		}
		dst = append(dst, encoded[off+1:off+1+int(encoded[off])]...)
	}
	return name, raw[MaxNameLen], dst[start:len(dst):len(dst)], n, nil
}

// scanName validates the encoded name at the start of b and returns its
// length.
func scanName(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, errNameTruncated
	}
	// RFC 1002 4.1: a length byte with the top two bits set is a pointer
	// into the enclosing name service packet; a session request has nothing
	// to point into.
	if b[0]&labelPointer == labelPointer {
		return 0, errNamePointer
	}
	// RFC 1001 14.1: the first label is the 16-byte name, encoded to 32.
	if b[0] != encodedLabelLen {
		return 0, errNameLength
	}
	if len(b) < minEncodedLen {
		return 0, errNameTruncated
	}
	for _, c := range b[1 : 1+encodedLabelLen] {
		if c-'A' > 0x0F {
			return 0, errNameChar
		}
	}
	off := 1 + encodedLabelLen
	for {
		if off >= len(b) {
			return 0, errNameTruncated
		}
		l := int(b[off])
		if l == 0 {
			return off + 1, nil
		}
		if l&labelPointer == labelPointer {
			return 0, errNamePointer
		}
		// RFC 1035 2.3.4: labels are at most 63 bytes; 0x40 and 0x80 are
		// reserved label types.
		if l > maxLabelLen {
			return 0, errNameLabel
		}
		// The terminator must fit too.
		if off+1+l+1 > MaxEncodedNameLen {
			return 0, errNameTooLong
		}
		if off+1+l > len(b) {
			return 0, errNameTruncated
		}
		// A dot inside a label could not be told from a separator once
		// DecodeName joins the labels.
		if bytes.IndexByte(b[off+1:off+1+l], '.') >= 0 {
			return 0, errNameDot
		}
		off += 1 + l
	}
}
