package smb

import "encoding/binary"

// Extended attribute lists. SMB1 carries EAs in three shapes: the OS/2
// SMB_FEA_LIST (MS-CIFS 2.2.1.2.2: SizeOfListInBytes, then packed
// SMB_FEA entries) used by TRANS2 OPEN2, CREATE_DIRECTORY, SET_INFO and the
// EA query levels; the SMB_GEA_LIST of names a client asks for (MS-CIFS
// 2.2.1.2.1); and the NT FILE_FULL_EA_INFORMATION chain (MS-FSCC 2.4.15)
// of NT_TRANSACT_CREATE. Each parser validates the whole list up front, so
// iterating it afterwards cannot fail and allocates nothing.

var (
	errFEA = parseError("smb: SMB_FEA entry overruns its list")
	errGEA = parseError("smb: SMB_GEA entry overruns its list")
)

// FEAFlagNeedEA is the one defined ExtendedAttributeFlag bit (MS-CIFS
// 2.2.1.2.2, FILE_NEED_EA): the file cannot be understood without the EA.
const FEAFlagNeedEA uint8 = 0x80

// FEA is one extended attribute. Name is the raw OEM name without its
// terminator; Name and Value alias the message they were read from.
type FEA struct {
	Flags uint8
	Name  []byte
	Value []byte
}

// FEAs is the validated body of an SMB_FEA_LIST (the entries after
// SizeOfListInBytes) or a FILE_FULL_EA_INFORMATION chain. Iterate it with
// Next.
type FEAs struct {
	b  []byte
	nt bool
}

// ParseFEAs validates every SMB_FEA of body, the entries ParseFEAList
// returned: ExtendedAttributeFlag, AttributeNameLengthInBytes,
// AttributeValueLengthInBytes, AttributeName and its terminator,
// AttributeValue, packed without padding. An entry overrunning the list is
// StatusInvalidParameter, as Samba answers it (EA_LIST_SIZE mismatch).
func ParseFEAs(body []byte) (FEAs, error) {
	for off := 0; off < len(body); {
		n, err := feaLen(body[off:])
		if err != nil {
			return FEAs{}, StatusInvalidParameter
		}
		off += n
	}
	return FEAs{b: body}, nil
}

// feaLen is the size of the SMB_FEA at the start of b.
func feaLen(b []byte) (int, error) {
	if len(b) < 4 {
		return 0, errFEA
	}
	// MS-CIFS 2.2.1.2.2: the name is followed by a terminating zero that
	// AttributeNameLengthInBytes does not count.
	n := 4 + int(b[1]) + 1 + int(rd16(b, 2))
	if n > len(b) {
		return 0, errFEA
	}
	return n, nil
}

// ParseFullEAs validates a chain of FILE_FULL_EA_INFORMATION entries
// (MS-FSCC 2.4.15): NextEntryOffset, Flags, EaNameLength, EaValueLength,
// EaName and its terminator, EaValue. Each NextEntryOffset must point past
// its entry and stay inside b; 0 ends the chain. Bytes after the last entry
// are ignored. An empty b is an empty list.
func ParseFullEAs(b []byte) (FEAs, error) {
	for off := 0; off < len(b); {
		e := b[off:]
		if len(e) < 8 {
			return FEAs{}, StatusInvalidParameter
		}
		n := 8 + int(e[5]) + 1 + int(rd16(e, 6))
		next := int(rd32(e, 0))
		if n > len(e) || next != 0 && (next < n || next > len(e)) {
			return FEAs{}, StatusInvalidParameter
		}
		if next == 0 {
			return FEAs{b: b[:off+n], nt: true}, nil
		}
		off += next
	}
	return FEAs{b: b, nt: true}, nil
}

// Len reports whether any entry is left.
func (l FEAs) Len() int { return len(l.b) }

// Next returns the first entry and the list after it. It must only be
// called while Len is not 0.
func (l FEAs) Next() (FEA, FEAs) {
	if l.nt {
		e := l.b
		nl, vl := int(e[5]), int(rd16(e, 6))
		fea := FEA{Flags: e[4], Name: e[8 : 8+nl], Value: e[9+nl : 9+nl+vl]}
		next := int(rd32(e, 0))
		if next == 0 {
			next = len(e)
		}
		return fea, FEAs{b: e[next:], nt: true}
	}
	e := l.b
	nl, vl := int(e[1]), int(rd16(e, 2))
	fea := FEA{Flags: e[0], Name: e[4 : 4+nl], Value: e[5+nl : 5+nl+vl]}
	return fea, FEAs{b: e[5+nl+vl:]}
}

// GEAs is the validated body of an SMB_GEA_LIST (MS-CIFS 2.2.1.2.1): the
// EA names a client asks for.
type GEAs []byte

// ParseGEAList validates an SMB_GEA_LIST: SizeOfListInBytes, counting
// itself and inside data, then SMB_GEA entries of AttributeNameLengthInBytes,
// AttributeName and a terminating zero (which Samba's client always sends
// and counts in SizeOfListInBytes). Anything else is StatusInvalidParameter.
func ParseGEAList(data []byte) (GEAs, error) {
	if len(data) < 4 {
		return nil, StatusInvalidParameter
	}
	n := rd32(data, 0)
	if n < 4 || uint64(n) > uint64(len(data)) {
		return nil, StatusInvalidParameter
	}
	body := data[4:n:n]
	for off := 0; off < len(body); {
		if off+int(body[off])+2 > len(body) {
			return nil, StatusInvalidParameter
		}
		off += int(body[off]) + 2
	}
	return GEAs(body), nil
}

// Next returns the first name of a non-empty list and the list after it.
// The name aliases the request.
func (g GEAs) Next() ([]byte, GEAs) {
	n := int(g[0])
	return g[1 : 1+n], g[n+2:]
}

// FEAListSize is the SizeOfListInBytes of an SMB_FEA_LIST holding entries
// whose names and values add up to nameBytes and valueBytes.
func FEAListSize(count, nameBytes, valueBytes int) int {
	return 4 + count*5 + nameBytes + valueBytes
}

// AppendFEA appends one SMB_FEA to dst. The caller keeps name under 256
// bytes and value under 65536, which the EA store guarantees.
func AppendFEA(dst []byte, flags uint8, name string, value []byte) []byte {
	dst = append(dst, flags, byte(len(name)))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(value)))
	dst = append(dst, name...)
	dst = append(dst, 0)
	return append(dst, value...)
}
