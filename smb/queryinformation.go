package smb

// QueryInformationRequest is a view of an SMB_COM_QUERY_INFORMATION request
// (MS-CIFS 2.2.4.9.1). FileName aliases the request buffer.
type QueryInformationRequest struct {
	name []byte
}

// ParseQueryInformationRequest validates b; unicode is the header's
// Flags2Unicode.
func ParseQueryInformationRequest(b Block, unicode bool) (QueryInformationRequest, error) {
	if err := wantWords(b, 0); err != nil {
		return QueryInformationRequest{}, err
	}
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return QueryInformationRequest{}, err
	}
	return QueryInformationRequest{name: name}, nil
}

// FileName is the raw path, without terminator.
func (q QueryInformationRequest) FileName() []byte { return q.name }

// QueryInformationResponse is the SMB_COM_QUERY_INFORMATION response, fields
// in wire order (MS-CIFS 2.2.4.9.2, WordCount 10).
type QueryInformationResponse struct {
	// FileAttributes is an SMB_FILE_ATTRIBUTES set.
	FileAttributes uint16
	// LastWriteTime is a UTIME: seconds since 1970-01-01 UTC.
	LastWriteTime uint32
	// FileSize is the low 32 bits of the size; the command predates
	// larger files.
	FileSize uint32
}

// Encode appends the response block to r.
func (q QueryInformationResponse) Encode(r *Response) {
	r.BeginWords(ComQueryInformation)
	r.U16(q.FileAttributes)
	r.U32(q.LastWriteTime)
	r.U32(q.FileSize)
	r.Zeros(10) // Reserved[5]
	r.BeginData()
	r.End()
}
