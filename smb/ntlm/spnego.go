package ntlm

import (
	"errors"
	"iter"
)

// Object identifiers as the content octets of their DER encoding, so a
// parsed OID compares with string(oid) == OIDNTLMSSP without allocating.
const (
	OIDSPNEGO     = "\x2b\x06\x01\x05\x05\x02"                 // 1.3.6.1.5.5.2
	OIDNTLMSSP    = "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" // 1.3.6.1.4.1.311.2.2.10
	OIDKerberos   = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"     // 1.2.840.113554.1.2.2
	OIDMSKerberos = "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"     // 1.2.840.48018.1.2.2
)

// NegHintName is the hintName Windows and Samba put in the NegTokenInit2 a
// server offers (MS-SPNG 2.2.1, 3.2.5.2).
const NegHintName = "not_defined_in_RFC4178@please_ignore"

// NegState is the negState of a NegTokenResp (RFC 4178 4.2.2).
type NegState uint8

// NegState values.
const (
	AcceptCompleted  NegState = 0
	AcceptIncomplete NegState = 1
	Reject           NegState = 2
	RequestMIC       NegState = 3
)

// DER tags used by SPNEGO (RFC 4178 4.2, X.690).
const (
	tagBitString     = 0x03
	tagOctetString   = 0x04
	tagOID           = 0x06
	tagEnumerated    = 0x0a
	tagGeneralString = 0x1b
	tagSequence      = 0x30
	tagApplication0  = 0x60 // GSS-API InitialContextToken (RFC 2743 3.1)
	tagContext0      = 0xa0
	tagContext1      = 0xa1
	tagContext2      = 0xa2
	tagContext3      = 0xa3
	tagContext4      = 0xa4
)

var (
	errDER        = errors.New("ntlm: malformed DER")
	errIndefinite = errors.New("ntlm: indefinite DER length")
	errDERLength  = errors.New("ntlm: DER length beyond the buffer")
	errNotSPNEGO  = errors.New("ntlm: not a SPNEGO token")
	errNoMechs    = errors.New("ntlm: NegTokenInit without mechTypes")
	errNegState   = errors.New("ntlm: bad negState")
)

// readTLV splits one DER element off b. Only the low-tag-number form is
// accepted (SPNEGO uses nothing else). Long-form lengths of up to four
// octets are accepted, minimal or not, as BER senders produce them; the
// indefinite form (X.690 8.1.3.6) is not DER and is refused, as is any length
// past the end of b.
func readTLV(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errDER
	}
	tag = b[0]
	if tag&0x1f == 0x1f {
		return 0, nil, nil, errDER
	}
	n := uint64(b[1])
	i := 2
	if n >= 0x80 {
		k := int(n & 0x7f)
		if k == 0 {
			return 0, nil, nil, errIndefinite
		}
		if k > 4 || len(b) < 2+k {
			return 0, nil, nil, errDER
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | uint64(c)
		}
		i = 2 + k
	}
	if n > uint64(len(b)-i) {
		return 0, nil, nil, errDERLength
	}
	end := i + int(n)
	return tag, b[i:end:end], b[end:], nil
}

// readOnly reads b as exactly one element with the given tag.
func readOnly(b []byte, want byte) ([]byte, error) {
	tag, content, rest, err := readTLV(b)
	if err != nil {
		return nil, err
	}
	if tag != want || len(rest) != 0 {
		return nil, errDER
	}
	return content, nil
}

// MechTypeList is the validated content of a MechTypeList (RFC 4178 4.2.1):
// a sequence of OID elements, each checked well-formed and non-empty by the
// parser.
type MechTypeList []byte

// All yields each mechanism OID's content octets, in preference order.
func (l MechTypeList) All() iter.Seq[[]byte] {
	return func(yield func(oid []byte) bool) {
		for len(l) > 0 {
			_, oid, rest, _ := readTLV(l)
			if !yield(oid) {
				return
			}
			l = rest
		}
	}
}

// First returns the initiator's preferred mechanism, or nil.
func (l MechTypeList) First() []byte {
	if len(l) == 0 {
		return nil
	}
	_, oid, _, _ := readTLV(l)
	return oid
}

// Contains reports whether oid is offered.
func (l MechTypeList) Contains(oid string) bool {
	for len(l) > 0 {
		_, o, rest, _ := readTLV(l)
		if string(o) == oid {
			return true
		}
		l = rest
	}
	return false
}

// NegTokenInit is a parsed NegTokenInit or NegTokenInit2 (RFC 4178 4.2.1,
// MS-SPNG 2.2.1). Every slice aliases the parsed buffer; absent fields are
// nil.
type NegTokenInit struct {
	MechTypes MechTypeList
	// MechTypesDER is the whole MechTypeList element as sent: the input of
	// the mechListMIC (RFC 4178 5).
	MechTypesDER []byte
	ReqFlags     []byte // BIT STRING content
	MechToken    []byte
	HintName     []byte // NegTokenInit2 negHints.hintName
	HintAddress  []byte
	MechListMIC  []byte
}

// ParseNegTokenInit parses the initiator's first SPNEGO token: either the
// GSS-API InitialContextToken ([APPLICATION 0] with the SPNEGO OID, RFC 2743
// 3.1) or the bare [0] NegTokenInit choice some clients send.
func ParseNegTokenInit(b []byte) (NegTokenInit, error) {
	var t NegTokenInit
	if len(b) == 0 {
		return t, errNotSPNEGO
	}
	if b[0] == tagApplication0 {
		content, _, err := readFirst(b, tagApplication0)
		if err != nil {
			return t, err
		}
		tag, oid, rest, err := readTLV(content)
		if err != nil {
			return t, err
		}
		if tag != tagOID || string(oid) != OIDSPNEGO {
			return t, errNotSPNEGO
		}
		b = rest
	}
	if len(b) == 0 || b[0] != tagContext0 {
		return t, errNotSPNEGO
	}
	// Bytes after the token are tolerated: the SMB SecurityBlob length is
	// authoritative and some clients pad it.
	content, _, err := readFirst(b, tagContext0)
	if err != nil {
		return t, err
	}
	seq, err := readOnly(content, tagSequence)
	if err != nil {
		return t, err
	}
	var last byte
	for len(seq) > 0 {
		tag, el, rest, err := readTLV(seq)
		if err != nil {
			return t, err
		}
		// RFC 4178 4.2.1: components appear once, in tag order.
		if tag&0xe0 != 0xa0 || tag <= last {
			return t, errDER
		}
		last = tag
		switch tag {
		case tagContext0:
			list, err := readOnly(el, tagSequence)
			if err != nil {
				return t, err
			}
			for l := list; len(l) > 0; {
				tag, oid, r, err := readTLV(l)
				if err != nil {
					return t, err
				}
				if tag != tagOID || len(oid) == 0 {
					return t, errDER
				}
				l = r
			}
			t.MechTypes = MechTypeList(list)
			t.MechTypesDER = el
		case tagContext1:
			if t.ReqFlags, err = readOnly(el, tagBitString); err != nil {
				return t, err
			}
		case tagContext2:
			if t.MechToken, err = readOnly(el, tagOctetString); err != nil {
				return t, err
			}
		case tagContext3:
			// [3] is negHints in NegTokenInit2 (MS-SPNG 2.2.1) but
			// mechListMIC in RFC 4178's NegTokenInit; the universal tag
			// inside tells which.
			if len(el) > 0 && el[0] == tagSequence {
				if err := t.parseNegHints(el); err != nil {
					return t, err
				}
			} else if t.MechListMIC, err = readOnly(el, tagOctetString); err != nil {
				return t, err
			}
		case tagContext4:
			if t.MechListMIC, err = readOnly(el, tagOctetString); err != nil {
				return t, err
			}
		}
		seq = rest
	}
	if t.MechTypesDER == nil || len(t.MechTypes) == 0 {
		return t, errNoMechs
	}
	return t, nil
}

// parseNegHints parses MS-SPNG 2.2.1 negHints: [0] hintName GeneralString,
// [1] hintAddress OCTET STRING, both optional.
func (t *NegTokenInit) parseNegHints(el []byte) error {
	hints, err := readOnly(el, tagSequence)
	if err != nil {
		return err
	}
	var last byte
	for len(hints) > 0 {
		tag, h, rest, err := readTLV(hints)
		if err != nil {
			return err
		}
		if tag <= last {
			return errDER
		}
		last = tag
		switch tag {
		case tagContext0:
			if t.HintName, err = readOnly(h, tagGeneralString); err != nil {
				return err
			}
		case tagContext1:
			if t.HintAddress, err = readOnly(h, tagOctetString); err != nil {
				return err
			}
		default:
			return errDER
		}
		hints = rest
	}
	return nil
}

// readFirst reads the first element of b, which must have tag want.
func readFirst(b []byte, want byte) (content, rest []byte, err error) {
	tag, content, rest, err := readTLV(b)
	if err != nil {
		return nil, nil, err
	}
	if tag != want {
		return nil, nil, errDER
	}
	return content, rest, nil
}

// NegTokenResp is a parsed NegTokenResp (RFC 4178 4.2.2). Slices alias the
// parsed buffer; absent fields are nil.
type NegTokenResp struct {
	NegState      NegState
	HasNegState   bool
	SupportedMech []byte // OID content octets
	ResponseToken []byte
	MechListMIC   []byte
}

// ParseNegTokenResp parses a [1] NegTokenResp choice.
func ParseNegTokenResp(b []byte) (NegTokenResp, error) {
	var t NegTokenResp
	if len(b) == 0 || b[0] != tagContext1 {
		return t, errNotSPNEGO
	}
	content, _, err := readFirst(b, tagContext1)
	if err != nil {
		return t, err
	}
	seq, err := readOnly(content, tagSequence)
	if err != nil {
		return t, err
	}
	var last byte
	for len(seq) > 0 {
		tag, el, rest, err := readTLV(seq)
		if err != nil {
			return t, err
		}
		if tag&0xe0 != 0xa0 || tag <= last {
			return t, errDER
		}
		last = tag
		switch tag {
		case tagContext0:
			v, err := readOnly(el, tagEnumerated)
			if err != nil {
				return t, err
			}
			// RFC 4178 4.2.2: negState is one of four values, so its
			// minimal encoding is a single octet.
			if len(v) != 1 || v[0] > byte(RequestMIC) {
				return t, errNegState
			}
			t.NegState, t.HasNegState = NegState(v[0]), true
		case tagContext1:
			oid, err := readOnly(el, tagOID)
			if err != nil {
				return t, err
			}
			if len(oid) == 0 {
				return t, errDER
			}
			t.SupportedMech = oid
		case tagContext2:
			if t.ResponseToken, err = readOnly(el, tagOctetString); err != nil {
				return t, err
			}
		case tagContext3:
			if t.MechListMIC, err = readOnly(el, tagOctetString); err != nil {
				return t, err
			}
		}
		seq = rest
	}
	return t, nil
}

// derLenLen is the size of a DER length octet string for n.
func derLenLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffff:
		return 4
	}
	return 5
}

// tlvLen is the size of an element with n content octets.
func tlvLen(n int) int { return 1 + derLenLen(n) + n }

// appendTL appends a tag and the minimal DER length of n.
func appendTL(dst []byte, tag byte, n int) []byte {
	dst = append(dst, tag)
	switch k := derLenLen(n); k {
	case 1:
		return append(dst, byte(n))
	default:
		dst = append(dst, 0x80|byte(k-1))
		for i := k - 2; i >= 0; i-- {
			dst = append(dst, byte(n>>(8*i)))
		}
		return dst
	}
}

// AppendNegTokenInitHint appends the SecurityBlob of a server's extended
// security NEGOTIATE response (MS-SMB 2.2.4.5.2.1, MS-SPNG 3.2.5.2): a GSS-API
// InitialContextToken holding a NegTokenInit2 whose mechTypes is just
// NTLMSSP and whose negHints carry NegHintName, as Windows and Samba send.
func AppendNegTokenInitHint(dst []byte) []byte {
	oid := tlvLen(len(OIDNTLMSSP))
	mechList := tlvLen(oid)
	mechs := tlvLen(mechList)
	name := tlvLen(len(NegHintName))
	hintName := tlvLen(name)
	hintSeq := tlvLen(hintName)
	hints := tlvLen(hintSeq)
	seq := tlvLen(mechs + hints)
	choice := tlvLen(seq)
	spnego := tlvLen(len(OIDSPNEGO))

	dst = appendTL(dst, tagApplication0, spnego+choice)
	dst = appendTL(dst, tagOID, len(OIDSPNEGO))
	dst = append(dst, OIDSPNEGO...)
	dst = appendTL(dst, tagContext0, seq)
	dst = appendTL(dst, tagSequence, mechs+hints)
	dst = appendTL(dst, tagContext0, mechList)
	dst = appendTL(dst, tagSequence, oid)
	dst = appendTL(dst, tagOID, len(OIDNTLMSSP))
	dst = append(dst, OIDNTLMSSP...)
	dst = appendTL(dst, tagContext3, hintSeq)
	dst = appendTL(dst, tagSequence, hintName)
	dst = appendTL(dst, tagContext0, name)
	dst = appendTL(dst, tagGeneralString, len(NegHintName))
	return append(dst, NegHintName...)
}

// AppendNegTokenInit appends an initiator's GSS-API InitialContextToken
// carrying a NegTokenInit with the given mechanisms (OID content octets, in
// preference order) and, when non-empty, the optimistic mechToken for the
// first of them (RFC 4178 4.2.1). Clients send it with a mechToken; a
// server may send it without one as the NEGOTIATE response's hint when it
// leaves out negHints (see AppendNegTokenInitHint).
func AppendNegTokenInit(dst []byte, mechToken []byte, mechs ...string) []byte {
	list := 0
	for _, m := range mechs {
		list += tlvLen(len(m))
	}
	mechTypes := tlvLen(tlvLen(list))
	tok := 0
	if len(mechToken) > 0 {
		tok = tlvLen(tlvLen(len(mechToken)))
	}
	seq := tlvLen(mechTypes + tok)
	choice := tlvLen(seq)
	spnego := tlvLen(len(OIDSPNEGO))

	dst = appendTL(dst, tagApplication0, spnego+choice)
	dst = appendTL(dst, tagOID, len(OIDSPNEGO))
	dst = append(dst, OIDSPNEGO...)
	dst = appendTL(dst, tagContext0, seq)
	dst = appendTL(dst, tagSequence, mechTypes+tok)
	dst = appendTL(dst, tagContext0, tlvLen(list))
	dst = appendTL(dst, tagSequence, list)
	for _, m := range mechs {
		dst = appendTL(dst, tagOID, len(m))
		dst = append(dst, m...)
	}
	if len(mechToken) > 0 {
		dst = appendTL(dst, tagContext2, tlvLen(len(mechToken)))
		dst = appendTL(dst, tagOctetString, len(mechToken))
		dst = append(dst, mechToken...)
	}
	return dst
}

// AppendNegTokenResp appends a [1] NegTokenResp (RFC 4178 4.2.2) with
// negState state, supportedMech NTLMSSP when withSupportedMech (RFC 4178
// 4.2.2: only in the first reply), and responseToken when non-empty.
func AppendNegTokenResp(dst []byte, state NegState, withSupportedMech bool, responseToken []byte) []byte {
	return AppendNegTokenRespMIC(dst, state, withSupportedMech, responseToken, nil)
}

// AppendNegTokenRespMIC is AppendNegTokenResp with a mechListMIC, left out
// when empty.
func AppendNegTokenRespMIC(dst []byte, state NegState, withSupportedMech bool, responseToken, mechListMIC []byte) []byte {
	n := tlvLen(tlvLen(1))
	if withSupportedMech {
		n += tlvLen(tlvLen(len(OIDNTLMSSP)))
	}
	if len(responseToken) > 0 {
		n += tlvLen(tlvLen(len(responseToken)))
	}
	if len(mechListMIC) > 0 {
		n += tlvLen(tlvLen(len(mechListMIC)))
	}
	dst = appendTL(dst, tagContext1, tlvLen(n))
	dst = appendTL(dst, tagSequence, n)
	dst = appendTL(dst, tagContext0, tlvLen(1))
	dst = appendTL(dst, tagEnumerated, 1)
	dst = append(dst, byte(state))
	if withSupportedMech {
		dst = appendTL(dst, tagContext1, tlvLen(len(OIDNTLMSSP)))
		dst = appendTL(dst, tagOID, len(OIDNTLMSSP))
		dst = append(dst, OIDNTLMSSP...)
	}
	if len(responseToken) > 0 {
		dst = appendTL(dst, tagContext2, tlvLen(len(responseToken)))
		dst = appendTL(dst, tagOctetString, len(responseToken))
		dst = append(dst, responseToken...)
	}
	if len(mechListMIC) > 0 {
		dst = appendTL(dst, tagContext3, tlvLen(len(mechListMIC)))
		dst = appendTL(dst, tagOctetString, len(mechListMIC))
		dst = append(dst, mechListMIC...)
	}
	return dst
}
