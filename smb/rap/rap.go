// Package rap is the Remote Administration Protocol (MS-RAP) that LAN
// Manager, OS/2 and Windows 9x clients — and smbclient for its workgroup
// list — send as TRANSACTION requests named \PIPE\LANMAN: requests whose
// parameters are described by descriptor strings, and the replies of the
// calls a file server answers to be listed and browsed. Like package smb it
// owns no sockets or files. ParseRequest allocates nothing; its view
// aliases the transaction parameters.
package rap

import (
	"bytes"
	"encoding/binary"
	"time"
	"unicode/utf8"
)

// API numbers, RAPOpcode (MS-RAP 2.5.1).
const (
	NetShareEnum     uint16 = 0
	NetShareGetInfo  uint16 = 1
	NetSessionEnum   uint16 = 6
	NetServerGetInfo uint16 = 13
	NetWkstaGetInfo  uint16 = 63
	NetRemoteTOD     uint16 = 91
	NetServerEnum2   uint16 = 104
)

// Status codes of a reply (MS-RAP 2.5.2: Win32 and LAN Manager errors).
const (
	Success             uint16 = 0
	ErrNotSupported     uint16 = 50
	ErrInvalidLevel     uint16 = 124
	ErrMoreData         uint16 = 234
	NERRNetNameNotFound uint16 = 2310
)

// Server type bits the calls filter on (MS-RAP 2.5.5.2.1, SV_TYPE_*).
const (
	SVTypeNT            uint32 = 0x00001000
	SVTypeDomainEnum    uint32 = 0x80000000
	SVTypeLocalListOnly uint32 = 0x40000000
	SVTypeAll           uint32 = 0xFFFFFFFF
)

type parseError string

func (e parseError) Error() string { return string(e) }

var (
	errShort = parseError("rap: parameters shorter than the opcode")
	errDesc  = parseError("rap: descriptor without a terminator or with an unknown type")
	errArgs  = parseError("rap: parameters shorter than their descriptor")
)

// Request is a validated RAP request: the opcode, the two descriptors and
// the values of the parameters. Every call served here has at most one
// value of each kind, so they are decoded by kind. The slices alias the
// transaction parameters.
type Request struct {
	API       uint16
	ParamDesc []byte
	DataDesc  []byte
	// Level is the W parameter, the information level.
	Level uint16
	// BufLen is the L parameter, the size of the client's receive buffer.
	BufLen uint16
	// Types is the D parameter, NetServerEnum2's server type mask.
	Types uint32
	// Name is the z parameter without its terminator: a share name or a
	// domain.
	Name []byte
}

// ParseRequest validates the parameter block of a \PIPE\LANMAN transaction
// (MS-RAP 2.5.1): RAPOpcode, ParamDesc and DataDesc as null-terminated
// strings, then the parameters, which must hold every value ParamDesc
// announces. Bytes after them (an auxiliary descriptor) are ignored.
func ParseRequest(b []byte) (Request, error) {
	var r Request
	if len(b) < 2 {
		return r, errShort
	}
	r.API = binary.LittleEndian.Uint16(b)
	var ok bool
	if r.ParamDesc, b, ok = cutString(b[2:]); !ok {
		return r, errDesc
	}
	if r.DataDesc, b, ok = cutString(b); !ok {
		return r, errDesc
	}
	for _, c := range r.ParamDesc {
		n := 0
		switch c {
		case 'W', 'L':
			n = 2
		case 'D':
			n = 4
		case 'z':
			n = bytes.IndexByte(b, 0) + 1
			if n == 0 {
				return r, errArgs
			}
		case 'r', 'e', 'h', 'O', 'g', 's':
			// MS-RAP 2.5.2: output values, a null pointer and buffer
			// pointers occupy nothing in the request.
		default:
			return r, errDesc
		}
		if len(b) < n {
			return r, errArgs
		}
		switch c {
		case 'W':
			r.Level = binary.LittleEndian.Uint16(b)
		case 'L':
			r.BufLen = binary.LittleEndian.Uint16(b)
		case 'D':
			r.Types = binary.LittleEndian.Uint32(b)
		case 'z':
			r.Name = b[:n-1]
		}
		b = b[n:]
	}
	return r, nil
}

func cutString(b []byte) (s, rest []byte, ok bool) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return nil, nil, false
	}
	return b[:i], b[i+1:], true
}

// entry holds one record's values in data descriptor order: strs for its
// B<n> and z fields, nums for its B, W and D fields.
type entry struct {
	strs [5]string
	nums [3]uint32
}

// field returns the data descriptor field at desc[i:]: its type, its count
// (B13 is 'B', 13; W is 'W', 1), its size in the fixed part, whether it
// takes a string, and where the next field starts.
func field(desc string, i int) (c byte, size int, str bool, next int) {
	c, n := desc[i], 0
	for i++; i < len(desc) && desc[i] >= '0' && desc[i] <= '9'; i++ {
		n = n*10 + int(desc[i]-'0')
	}
	switch c {
	case 'B':
		return c, max(n, 1), n > 1, i
	case 'W':
		return c, 2, false, i
	case 'z':
		return c, 4, true, i
	}
	return c, 4, false, i // D
}

// appendOEM appends s as OEM bytes: one per character, '?' for anything
// outside ASCII, so its length is utf8.RuneCountInString(s).
func appendOEM(b []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x80 {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return b
}

// pack encodes entries by the data descriptor desc into at most bufLen
// bytes (MS-RAP 2.5.2, 3.2.5.1): the fixed-size records of the first n
// entries that fit whole, then the strings their z fields point to, each
// pointer holding the string's offset in the data (converter 0). needed is
// what all entries take.
func pack(desc string, entries []entry, bufLen int) (data []byte, n, needed int) {
	fixed := 0
	for i := 0; i < len(desc); {
		var size int
		_, size, _, i = field(desc, i)
		fixed += size
	}
	for k := range entries {
		needed += fixed
		si := 0
		for i := 0; i < len(desc); {
			c, _, str, next := field(desc, i)
			if c == 'z' {
				needed += utf8.RuneCountInString(entries[k].strs[si]) + 1
			}
			if str {
				si++
			}
			i = next
		}
		if needed <= bufLen {
			n = k + 1
		}
	}
	var strs []byte
	for k := range entries[:n] {
		e := &entries[k]
		si, ni := 0, 0
		for i := 0; i < len(desc); {
			c, size, str, next := field(desc, i)
			i = next
			v := uint32(n*fixed + len(strs))
			if !str {
				v = e.nums[ni]
				ni++
			} else {
				s := appendOEM(nil, e.strs[si])
				si++
				if c == 'z' {
					strs = append(append(strs, s...), 0)
				} else {
					// A fixed-size string, truncated to leave its
					// terminator and zero-padded.
					s = s[:min(len(s), size-1)]
					data = append(append(data, s...), make([]byte, size-len(s))...)
					continue
				}
			}
			data = append(data, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))[:len(data)+size]
		}
	}
	return append(data, strs...), n, needed
}

// appendTimeOfDay appends the TIME_OF_DAY_INFO record of NetRemoteTOD
// (MS-RAP 2.5.10.1.1, "DDBBBBWWBBWB") for t: seconds since 1970, a
// millisecond counter (0), the time of day in UTC to hundredths, the zone
// in minutes west of UTC, the clock interval in ten-thousandths of a
// second, and the date with its weekday.
func appendTimeOfDay(b []byte, t time.Time) []byte {
	_, offset := t.Zone()
	u := t.UTC()
	year, month, day := u.Date()
	hour, min, sec := u.Clock()
	var r [21]byte
	binary.LittleEndian.PutUint32(r[0:], uint32(u.Unix()))
	r[8], r[9], r[10], r[11] = byte(hour), byte(min), byte(sec), byte(u.Nanosecond()/1e7)
	binary.LittleEndian.PutUint16(r[12:], uint16(-offset/60))
	binary.LittleEndian.PutUint16(r[14:], 10000)
	r[16], r[17] = byte(day), byte(month)
	binary.LittleEndian.PutUint16(r[18:], uint16(year))
	r[20] = byte(u.Weekday())
	return append(b, r[:]...)
}
