package smb

// Action bits of the session setup response (MS-CIFS 2.2.4.53.2).
const (
	// SessionSetupGuest says the user was logged on as guest.
	SessionSetupGuest uint16 = 0x0001
	// SessionSetupUseLanmanKey says the LM session key is in use; never
	// with extended security (MS-SMB 2.2.4.6.2).
	SessionSetupUseLanmanKey uint16 = 0x0002
)

// SessionSetupRequest is a view of an SMB_COM_SESSION_SETUP_ANDX request in
// any of its three layouts, told apart by WordCount:
//
//   - 12: extended security (MS-SMB 2.2.4.6.1): the security blob, then
//     NativeOS and NativeLanMan;
//   - 13: NT LM 0.12 with challenge/response (MS-CIFS 2.2.4.53.1): the OEM
//     and Unicode passwords, then AccountName, PrimaryDomain, NativeOS and
//     NativeLanMan;
//   - 10: the LAN Manager dialects: one password, then the same four
//     strings.
//
// Fields that a layout lacks read as zero or empty. Every slice aliases the
// request buffer; strings are raw, as ReadString returns them.
type SessionSetupRequest struct {
	w            []byte
	blob         []byte
	oemPassword  []byte
	uniPassword  []byte
	account      []byte
	domain       []byte
	nativeOS     []byte
	nativeLanMan []byte
}

// ParseSessionSetupRequest validates b as a session setup request; unicode is
// the header's Flags2Unicode.
func ParseSessionSetupRequest(b Block, unicode bool) (SessionSetupRequest, error) {
	s := SessionSetupRequest{w: b.Words}
	end := dataEnd(b)
	off := b.DataOffset()
	var err error
	switch len(b.Words) {
	case 2 * 12:
		n := int(rd16(b.Words, 14))
		if n > len(b.Data) {
			return SessionSetupRequest{}, errOffset
		}
		s.blob = b.Data[:n]
		off += n
	case 2 * 13:
		oem, uni := int(rd16(b.Words, 14)), int(rd16(b.Words, 16))
		if oem+uni > len(b.Data) {
			return SessionSetupRequest{}, errOffset
		}
		s.oemPassword = b.Data[:oem]
		s.uniPassword = b.Data[oem : oem+uni]
		off += oem + uni
	case 2 * 10:
		n := int(rd16(b.Words, 14))
		if n > len(b.Data) {
			return SessionSetupRequest{}, errOffset
		}
		s.oemPassword = b.Data[:n]
		off += n
	default:
		return SessionSetupRequest{}, errWords
	}
	// MS-CIFS 2.2.4.53.1: the strings after the passwords (or the blob)
	// are aligned from the header start, so a Unicode string after an
	// odd-length password begins with a pad byte; ReadString skips it.
	// Clients drop trailing strings freely, so absent ones read as empty.
	if len(b.Words) != 2*12 {
		if s.account, off, err = ReadString(b.Msg, off, end, unicode); err != nil {
			return SessionSetupRequest{}, err
		}
		if s.domain, off, err = ReadString(b.Msg, off, end, unicode); err != nil {
			return SessionSetupRequest{}, err
		}
	}
	if s.nativeOS, off, err = ReadString(b.Msg, off, end, unicode); err != nil {
		return SessionSetupRequest{}, err
	}
	if s.nativeLanMan, _, err = ReadString(b.Msg, off, end, unicode); err != nil {
		return SessionSetupRequest{}, err
	}
	return s, nil
}

// ExtendedSecurity reports whether this is the WordCount 12 form carrying a
// security blob (SPNEGO/NTLMSSP) instead of passwords.
func (s SessionSetupRequest) ExtendedSecurity() bool { return len(s.w) == 2*12 }

// LANMAN reports whether this is the WordCount 10 form of the LAN Manager
// dialects, with a single password and no Capabilities.
func (s SessionSetupRequest) LANMAN() bool { return len(s.w) == 2*10 }

func (s SessionSetupRequest) MaxBufferSize() uint16 { return rd16(s.w, 4) }
func (s SessionSetupRequest) MaxMpxCount() uint16   { return rd16(s.w, 6) }
func (s SessionSetupRequest) VcNumber() uint16      { return rd16(s.w, 8) }
func (s SessionSetupRequest) SessionKey() uint32    { return rd32(s.w, 10) }

// Capabilities are the client's Cap* bits; the LAN Manager form has none.
func (s SessionSetupRequest) Capabilities() uint32 {
	switch len(s.w) {
	case 2 * 12:
		return rd32(s.w, 20)
	case 2 * 13:
		return rd32(s.w, 22)
	}
	return 0
}

// SecurityBlob is the GSS token of the extended security form.
func (s SessionSetupRequest) SecurityBlob() []byte { return s.blob }

// OEMPassword is the case-insensitive (LM) password or response; in the
// LAN Manager form it is the only password.
func (s SessionSetupRequest) OEMPassword() []byte { return s.oemPassword }

// UnicodePassword is the case-sensitive (NT) password or response.
func (s SessionSetupRequest) UnicodePassword() []byte { return s.uniPassword }

func (s SessionSetupRequest) AccountName() []byte   { return s.account }
func (s SessionSetupRequest) PrimaryDomain() []byte { return s.domain }
func (s SessionSetupRequest) NativeOS() []byte      { return s.nativeOS }
func (s SessionSetupRequest) NativeLanMan() []byte  { return s.nativeLanMan }

// SessionSetupResponse is the SMB_COM_SESSION_SETUP_ANDX response: WordCount 4
// with a security blob for an extended security request (MS-SMB 2.2.4.6.2),
// otherwise WordCount 3 (MS-CIFS 2.2.4.53.2). The reply to an intermediate
// leg of extended security carries STATUS_MORE_PROCESSING_REQUIRED in the
// header and is still a full response.
type SessionSetupResponse struct {
	ExtendedSecurity bool
	// Action holds SessionSetupGuest when the user became guest.
	Action        uint16
	SecurityBlob  []byte
	NativeOS      string
	NativeLanMan  string
	PrimaryDomain string
}

// Encode appends the response block to r; strings follow the response
// header's Unicode flag. When all three strings are empty the data block
// carries none of them, which is how Samba answers LAN Manager clients; an
// empty PrimaryDomain is left out of the extended form.
func (s SessionSetupResponse) Encode(r *Response) {
	r.BeginWords(ComSessionSetupAndX)
	r.U16(s.Action)
	if s.ExtendedSecurity {
		r.U16(uint16(len(s.SecurityBlob)))
	}
	r.BeginData()
	if s.ExtendedSecurity {
		r.Append(s.SecurityBlob)
	}
	if s.NativeOS != "" || s.NativeLanMan != "" || s.PrimaryDomain != "" {
		u := r.Header().Unicode()
		r.String(s.NativeOS, u)
		r.String(s.NativeLanMan, u)
		// MS-SMB 2.2.4.6.2 drops PrimaryDomain from the extended form;
		// Samba still sends it, and clients accept either.
		if !s.ExtendedSecurity || s.PrimaryDomain != "" {
			r.String(s.PrimaryDomain, u)
		}
	}
	r.End()
}
