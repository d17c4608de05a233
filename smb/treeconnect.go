package smb

// TREE_CONNECT_ANDX request Flags (MS-CIFS 2.2.4.55.1, MS-SMB 2.2.4.7.1).
const (
	TreeConnectDisconnectTID      uint16 = 0x0001
	TreeConnectExtendedSignatures uint16 = 0x0004
	TreeConnectExtendedResponse   uint16 = 0x0008
)

// TREE_CONNECT_ANDX response OptionalSupport bits (MS-CIFS 2.2.4.55.2,
// MS-SMB 2.2.4.7.2).
const (
	SupportSearchBits         uint16 = 0x0001
	ShareIsInDFS              uint16 = 0x0002
	CSCMask                   uint16 = 0x000C
	SupportUniqueFileName     uint16 = 0x0010
	SupportExtendedSignatures uint16 = 0x0020
)

// Caching modes within CSCMask (MS-CIFS 2.2.4.55.2).
const (
	CSCCacheManualReint uint16 = 0x0000
	CSCCacheAutoReint   uint16 = 0x0004
	CSCCacheVDO         uint16 = 0x0008
	CSCNoCaching        uint16 = 0x000C
)

// Service names of TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55): the client asks for
// "?????" (any) or a type; the server answers with the share's type.
const (
	ServiceDisk    = "A:"
	ServicePrinter = "LPT1:"
	ServiceIPC     = "IPC"
	ServiceComm    = "COMM"
	ServiceAny     = "?????"
)

// TreeConnectRequest is a view of a TREE_CONNECT_ANDX request
// (MS-CIFS 2.2.4.55.1). Its slices alias the request buffer.
type TreeConnectRequest struct {
	w        []byte
	password []byte
	path     []byte
	service  []byte
}

// ParseTreeConnectRequest validates b; unicode is the header's Flags2Unicode,
// which governs Path only.
func ParseTreeConnectRequest(b Block, unicode bool) (TreeConnectRequest, error) {
	if err := wantWords(b, 4); err != nil {
		return TreeConnectRequest{}, err
	}
	t := TreeConnectRequest{w: b.Words}
	n := int(rd16(b.Words, 6))
	if n > len(b.Data) {
		return TreeConnectRequest{}, errOffset
	}
	t.password = b.Data[:n]
	end := dataEnd(b)
	var off int
	var err error
	if t.path, off, err = ReadString(b.Msg, b.DataOffset()+n, end, unicode); err != nil {
		return TreeConnectRequest{}, err
	}
	// MS-CIFS 2.2.4.55.1: Service is always OEM, whatever Flags2 says.
	if t.service, _, err = ReadString(b.Msg, off, end, false); err != nil {
		return TreeConnectRequest{}, err
	}
	return t, nil
}

func (t TreeConnectRequest) Flags() uint16 { return rd16(t.w, 4) }

// Password is the share password of share-level security; one zero byte
// under user-level security.
func (t TreeConnectRequest) Password() []byte { return t.password }

// Path is the raw \\server\share string.
func (t TreeConnectRequest) Path() []byte { return t.path }

// Service is the raw OEM service type requested, such as "?????".
func (t TreeConnectRequest) Service() []byte { return t.service }

// TreeConnectResponse is the TREE_CONNECT_ANDX response: WordCount 3
// (MS-CIFS 2.2.4.55.2), or WordCount 7 with the share access rights when
// Extended is set, which the server does when the request carried
// TreeConnectExtendedResponse (MS-SMB 2.2.4.7.2), or WordCount 2 with only
// Service when Legacy is set, the form of the LAN Manager 1.0 dialect that
// Samba still sends to every pre-NT dialect.
type TreeConnectResponse struct {
	Extended                      bool
	Legacy                        bool
	OptionalSupport               uint16
	MaximalShareAccessRights      uint32
	GuestMaximalShareAccessRights uint32
	// Service is the share's type, always OEM (ServiceDisk, ServiceIPC...).
	Service string
	// NativeFileSystem is the file system name, such as "NTFS"; empty for
	// IPC$.
	NativeFileSystem string
}

// Encode appends the response block to r; NativeFileSystem follows the
// response header's Unicode flag.
func (t TreeConnectResponse) Encode(r *Response) {
	r.BeginWords(ComTreeConnectAndX)
	if t.Legacy {
		r.BeginData()
		r.String(t.Service, false)
		r.End()
		return
	}
	r.U16(t.OptionalSupport)
	if t.Extended {
		r.U32(t.MaximalShareAccessRights)
		r.U32(t.GuestMaximalShareAccessRights)
	}
	r.BeginData()
	r.String(t.Service, false)
	r.String(t.NativeFileSystem, r.Header().Unicode())
	r.End()
}

// ParseTreeDisconnectRequest validates a TREE_DISCONNECT request, which has
// no fields (MS-CIFS 2.2.4.51.1); the TID is in the header. Its response is
// EncodeEmptyResponse.
func ParseTreeDisconnectRequest(b Block) error { return wantWords(b, 0) }
