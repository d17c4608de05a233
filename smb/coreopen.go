package smb

// The core protocol's opens: SMB_COM_OPEN, SMB_COM_CREATE, SMB_COM_CREATE_NEW
// and SMB_COM_CREATE_TEMPORARY, which DOS, Windows 9x and OS/2 redirectors
// send instead of OPEN_ANDX and NT_CREATE_ANDX.

// OpenRequest is a view of an SMB_COM_OPEN request (MS-CIFS 2.2.4.3.1,
// WordCount 2). FileName aliases the request buffer.
type OpenRequest struct {
	w    []byte
	name []byte
}

// ParseOpenRequest validates b; unicode is the header's Flags2Unicode.
func ParseOpenRequest(b Block, unicode bool) (OpenRequest, error) {
	if err := wantWords(b, 2); err != nil {
		return OpenRequest{}, err
	}
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return OpenRequest{}, err
	}
	return OpenRequest{w: b.Words, name: name}, nil
}

// AccessMode holds the access (bits 0-2), sharing mode (bits 4-6),
// reference locality and cache flags of the open, the same field as
// OPEN_ANDX's (MS-CIFS 2.2.4.3.1).
func (o OpenRequest) AccessMode() uint16 { return rd16(o.w, 0) }

// SearchAttributes are the SMB_FILE_ATTRIBUTES a matching file may have
// beyond normal ones.
func (o OpenRequest) SearchAttributes() uint16 { return rd16(o.w, 2) }

// FileName is the raw path, without terminator.
func (o OpenRequest) FileName() []byte { return o.name }

// OpenResponse is the SMB_COM_OPEN response, fields in wire order
// (MS-CIFS 2.2.4.3.2, WordCount 7).
type OpenResponse struct {
	FID            uint16
	FileAttributes uint16
	// LastModified is a UTIME: seconds since 1970-01-01 on the server's
	// wall clock.
	LastModified uint32
	// FileSize is the low 32 bits of the size.
	FileSize uint32
	// AccessMode is the mode granted. Samba echoes the request's
	// AccessMode whole, sharing bits included, and clients compare it so.
	AccessMode uint16
}

// Encode appends the response block to r.
func (o OpenResponse) Encode(r *Response) {
	encodeWords(r, ComOpen, o.FID, o.FileAttributes, uint16(o.LastModified), uint16(o.LastModified>>16),
		uint16(o.FileSize), uint16(o.FileSize>>16), o.AccessMode)
}

// CreateRequest is a view of an SMB_COM_CREATE or SMB_COM_CREATE_NEW
// request, which share a format (MS-CIFS 2.2.4.4.1, 2.2.4.16.1, WordCount
// 3). FileName aliases the request buffer.
type CreateRequest struct {
	w    []byte
	name []byte
}

// ParseCreateRequest validates b as a CREATE or CREATE_NEW request; unicode
// is the header's Flags2Unicode. The response is EncodeCreateResponse.
func ParseCreateRequest(b Block, unicode bool) (CreateRequest, error) {
	if err := wantWords(b, 3); err != nil {
		return CreateRequest{}, err
	}
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return CreateRequest{}, err
	}
	return CreateRequest{w: b.Words, name: name}, nil
}

// FileAttributes are the SMB_FILE_ATTRIBUTES of the new file.
func (c CreateRequest) FileAttributes() uint16 { return rd16(c.w, 0) }

// CreationTime is a UTIME to record as the file's creation time; 0 leaves
// it to the server (MS-CIFS 2.2.4.4.1).
func (c CreateRequest) CreationTime() uint32 { return rd32(c.w, 2) }

// FileName is the raw path, without terminator.
func (c CreateRequest) FileName() []byte { return c.name }

// EncodeCreateResponse appends the response of CREATE or CREATE_NEW (cmd):
// the new FID and no data (MS-CIFS 2.2.4.4.2, 2.2.4.16.2).
func EncodeCreateResponse(r *Response, cmd uint8, fid uint16) { encodeWords(r, cmd, fid) }

// CreateTemporaryRequest is a view of an SMB_COM_CREATE_TEMPORARY request
// (MS-CIFS 2.2.4.15.1, WordCount 3). DirectoryName aliases the request
// buffer.
type CreateTemporaryRequest struct {
	w    []byte
	name []byte
}

// ParseCreateTemporaryRequest validates b; unicode is the header's
// Flags2Unicode.
func ParseCreateTemporaryRequest(b Block, unicode bool) (CreateTemporaryRequest, error) {
	if err := wantWords(b, 3); err != nil {
		return CreateTemporaryRequest{}, err
	}
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return CreateTemporaryRequest{}, err
	}
	return CreateTemporaryRequest{w: b.Words, name: name}, nil
}

// FileAttributes is reserved: MS-CIFS 2.2.4.15.1 says clients set it to 0
// and servers ignore it, though smbtorture sends attributes there.
func (c CreateTemporaryRequest) FileAttributes() uint16 { return rd16(c.w, 0) }

// CreationTime is a UTIME for the new file.
func (c CreateTemporaryRequest) CreationTime() uint32 { return rd32(c.w, 2) }

// DirectoryName is the raw path of the directory to create the file in,
// without terminator.
func (c CreateTemporaryRequest) DirectoryName() []byte { return c.name }

// EncodeCreateTemporaryResponse appends the CREATE_TEMPORARY response
// (MS-CIFS 2.2.4.15.2, WordCount 1): the FID, then buffer format 0x04 and
// the new file's name relative to the directory, null-terminated and
// always OEM (the command predates Unicode). Samba leaves the buffer
// format byte out; clients that follow the spec, smbtorture among them,
// skip one byte before the name, so tinysmbd sends it.
func EncodeCreateTemporaryResponse(r *Response, fid uint16, name string) {
	r.BeginWords(ComCreateTemporary)
	r.U16(fid)
	r.BeginData()
	r.U8(bufferFormatString)
	r.String(name, false)
	r.End()
}
