package smb

// OPEN_ANDX request Flags (MS-CIFS 2.2.4.41.1, MS-SMB 2.2.4.1.1).
const (
	OpenAndXReqAttrib           uint16 = 0x0001
	OpenAndXReqOplock           uint16 = 0x0002
	OpenAndXReqOplockBatch      uint16 = 0x0004
	OpenAndXReqExtendedResponse uint16 = 0x0010
)

// OpenMode bits of OPEN_ANDX: what to do if the file exists (the low two
// bits) and whether to create it if it does not (MS-CIFS 2.2.4.41.1).
const (
	OpenFuncFailIfExists uint16 = 0x0000
	OpenFuncOpenIfExists uint16 = 0x0001
	OpenFuncTruncate     uint16 = 0x0002
	OpenFuncExistsMask   uint16 = 0x0003
	OpenFuncCreate       uint16 = 0x0010
)

// OpenResults values of the OPEN_ANDX response (MS-CIFS 2.2.4.41.2).
const (
	OpenResultOpened    uint16 = 0x0001
	OpenResultCreated   uint16 = 0x0002
	OpenResultTruncated uint16 = 0x0003
	OpenResultOplocked  uint16 = 0x8000
)

// OpenAndXRequest is a view of an OPEN_ANDX request (MS-CIFS 2.2.4.41.1,
// WordCount 15). FileName aliases the request buffer.
type OpenAndXRequest struct {
	w    []byte
	name []byte
}

// ParseOpenAndXRequest validates b; unicode is the header's Flags2Unicode.
func ParseOpenAndXRequest(b Block, unicode bool) (OpenAndXRequest, error) {
	if err := wantWords(b, 15); err != nil {
		return OpenAndXRequest{}, err
	}
	// MS-CIFS 2.2.4.41.1: a Unicode FileName starts with a pad byte that
	// aligns it from the header start; ReadString skips it.
	name, _, err := ReadString(b.Msg, b.DataOffset(), dataEnd(b), unicode)
	if err != nil {
		return OpenAndXRequest{}, err
	}
	return OpenAndXRequest{w: b.Words, name: name}, nil
}

// Flags holds OpenAndXReq* bits.
func (o OpenAndXRequest) Flags() uint16 { return rd16(o.w, 4) }

// AccessMode is the SMB_COM_OPEN access and sharing mode
// (MS-CIFS 2.2.4.3.1): access in bits 0-2, sharing in bits 4-6.
func (o OpenAndXRequest) AccessMode() uint16     { return rd16(o.w, 6) }
func (o OpenAndXRequest) SearchAttrs() uint16    { return rd16(o.w, 8) }
func (o OpenAndXRequest) FileAttrs() uint16      { return rd16(o.w, 10) }
func (o OpenAndXRequest) CreationTime() uint32   { return rd32(o.w, 12) }
func (o OpenAndXRequest) OpenMode() uint16       { return rd16(o.w, 16) }
func (o OpenAndXRequest) AllocationSize() uint32 { return rd32(o.w, 18) }
func (o OpenAndXRequest) Timeout() uint32        { return rd32(o.w, 22) }
func (o OpenAndXRequest) FileName() []byte       { return o.name }

// OpenAndXResponse is the OPEN_ANDX response, fields in wire order
// (MS-CIFS 2.2.4.41.2, WordCount 15). With Extended set, which the server
// does when the request carried OpenAndXReqExtendedResponse, it is the
// MS-SMB 2.2.4.1.2 form with the maximal access rights (WordCount 19).
type OpenAndXResponse struct {
	Extended  bool
	FID       uint16
	FileAttrs uint16
	// LastWriteTime is a UTIME: seconds since 1970-01-01 UTC.
	LastWriteTime uint32
	FileDataSize  uint32
	// AccessRights is the access mode granted, as in the request's
	// AccessMode.
	AccessRights uint16
	ResourceType uint16
	NMPipeStatus uint16
	OpenResults  uint16
	ServerFID    uint32

	MaximalAccessRights      uint32
	GuestMaximalAccessRights uint32
}

// Encode appends the response block to r.
func (o OpenAndXResponse) Encode(r *Response) {
	r.BeginWords(ComOpenAndX)
	r.U16(o.FID)
	r.U16(o.FileAttrs)
	r.U32(o.LastWriteTime)
	r.U32(o.FileDataSize)
	r.U16(o.AccessRights)
	r.U16(o.ResourceType)
	r.U16(o.NMPipeStatus)
	r.U16(o.OpenResults)
	r.U32(o.ServerFID)
	r.U16(0) // Reserved
	if o.Extended {
		r.U32(o.MaximalAccessRights)
		r.U32(o.GuestMaximalAccessRights)
	}
	r.BeginData()
	r.End()
}
