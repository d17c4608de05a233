package dcerpc

import (
	"encoding/binary"

	"github.com/tinysmbd/tinysmbd/smb"
)

// NDR (C706 chapter 14) is written and read by hand here, for the few calls
// a file server answers: 32-bit little-endian integers aligned to their
// size from the start of the stub, unique pointers as 32-bit referent IDs
// whose pointees follow the enclosing structure, and strings as conformant
// varying arrays of UTF-16 code units (max count, offset, actual count, the
// units, the terminator included).

// encoder appends an NDR stub. The stub starts 8-aligned inside its PDU (the
// request and response headers are 24 bytes), so aligning to the buffer
// start aligns to the stub start, as C706 14.2.2 requires.
type encoder struct {
	b   []byte
	ref uint32
}

// reset empties the stub and restarts referent IDs at 0x00020004, the
// numbering Windows and Samba use (any unique nonzero values are valid).
func (e *encoder) reset() {
	e.b = e.b[:0]
	e.ref = 0x00020000
}

func (e *encoder) align4() {
	for len(e.b)%4 != 0 {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) u32(v uint32) {
	e.align4()
	e.b = binary.LittleEndian.AppendUint32(e.b, v)
}

// ptr writes a unique pointer: a fresh referent ID, or 0 for NULL
// (C706 14.3.10).
func (e *encoder) ptr(nonNull bool) {
	if !nonNull {
		e.u32(0)
		return
	}
	e.ref += 4
	e.u32(e.ref)
}

// str writes s as a conformant varying string with its terminator
// (C706 14.3.4): the pointee of a [string] wchar_t* field.
func (e *encoder) str(s string) {
	e.align4()
	start := len(e.b)
	var counts [12]byte // max count, offset 0, actual count
	e.b = append(e.b, counts[:]...)
	e.b = smb.AppendUTF16(e.b, s)
	e.b = append(e.b, 0, 0)
	n := uint32(len(e.b)-start-12) / 2
	binary.LittleEndian.PutUint32(e.b[start:], n)
	binary.LittleEndian.PutUint32(e.b[start+8:], n)
}

// bytes writes b as a conformant array of bytes (C706 14.3.3.2): the
// pointee of a [size_is(n)] unsigned char* field.
func (e *encoder) bytes(b []byte) {
	e.u32(uint32(len(b)))
	e.b = append(e.b, b...)
}

// decoder reads an NDR stub. A read past the end or a malformed string sets
// bad and returns zero values, so a call's arguments are decoded in a row
// and checked once.
type decoder struct {
	b   []byte
	off int
	bad bool
}

func (d *decoder) u32() uint32 {
	d.off += (4 - d.off%4) % 4
	if d.off+4 > len(d.b) {
		d.bad = true
		d.off = len(d.b)
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

// str reads a conformant varying string of UTF-16 units and returns its
// bytes without the terminator, aliasing the stub. C706 14.3.4: the actual
// count may not exceed the maximum; a [string] starts at offset 0.
func (d *decoder) str() []byte {
	max, off, n := d.u32(), d.u32(), d.u32()
	if d.bad || off != 0 || n > max || uint64(n)*2 > uint64(len(d.b)-d.off) {
		d.bad = true
		return nil
	}
	s := d.b[d.off : d.off+int(n)*2]
	d.off += int(n) * 2
	if n > 0 && s[len(s)-2] == 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-2]
	}
	return s
}

// uniqueStr reads a unique pointer to a string: nil when the pointer is
// NULL.
func (d *decoder) uniqueStr() []byte {
	if d.u32() == 0 {
		return nil
	}
	return d.str()
}
