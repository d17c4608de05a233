package smb

import (
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// ReadString reads a null-terminated string from msg beginning at off, which
// counts from the header start, and not past end. A Unicode string is
// UTF-16LE and starts on an even offset from the header, so an odd off skips
// one pad byte first (MS-CIFS 2.2.1.1). A string that runs to end without a
// terminator is accepted: several clients omit the last one. The returned
// bytes exclude the terminator and alias msg; next is the offset after it.
func ReadString(msg []byte, off, end int, unicode bool) (s []byte, next int, err error) {
	if off < 0 || end > len(msg) || off > end {
		return nil, 0, errString
	}
	if !unicode {
		for i := off; i < end; i++ {
			if msg[i] == 0 {
				return msg[off:i], i + 1, nil
			}
		}
		return msg[off:end], end, nil
	}
	if off%2 == 1 && off < end {
		off++
	}
	i := off
	for ; i+1 < end; i += 2 {
		if msg[i] == 0 && msg[i+1] == 0 {
			return msg[off:i], i + 2, nil
		}
	}
	return msg[off:i], end, nil
}

// DecodeString appends the UTF-8 form of raw, a string field as ReadString
// returned it, to dst.
func DecodeString(dst []byte, raw []byte, unicode bool) []byte {
	if unicode {
		return AppendUTF16ToUTF8(dst, raw)
	}
	return AppendOEMToUTF8(dst, raw)
}

// AppendUTF16ToUTF8 appends UTF-16LE bytes converted to UTF-8. Unpaired
// surrogates become U+FFFD; a trailing odd byte is ignored.
func AppendUTF16ToUTF8(dst, b []byte) []byte {
	for i := 0; i+1 < len(b); i += 2 {
		c := rune(binary.LittleEndian.Uint16(b[i:]))
		if utf16.IsSurrogate(c) {
			if i+3 < len(b) {
				c2 := rune(binary.LittleEndian.Uint16(b[i+2:]))
				if r := utf16.DecodeRune(c, c2); r != utf8.RuneError {
					dst = utf8.AppendRune(dst, r)
					i += 2
					continue
				}
			}
			c = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, c)
	}
	return dst
}

// AppendUTF16 appends s as UTF-16LE, without a terminator.
func AppendUTF16(dst []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r1))
			dst = binary.LittleEndian.AppendUint16(dst, uint16(r2))
			continue
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(r))
	}
	return dst
}

// UTF16Len is the length in bytes of s encoded as UTF-16LE.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 4
		} else {
			n += 2
		}
	}
	return n
}

// OEM strings are treated as ISO 8859-1: every byte is the code point of the
// same value. DOS clients use a code page such as 437 or 850 whose upper half
// differs; names in the ASCII range, which is what they send in practice,
// round-trip either way.

// AppendOEMToUTF8 appends OEM bytes converted to UTF-8.
func AppendOEMToUTF8(dst, b []byte) []byte {
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

// AppendOEM appends s as OEM bytes; characters outside the code page become '?'.
func AppendOEM(dst []byte, s string) []byte {
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		dst = append(dst, byte(r))
	}
	return dst
}
