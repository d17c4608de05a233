package smb

// DeleteRequest is a view of an SMB_COM_DELETE request (MS-CIFS 2.2.4.7.1).
// FileName aliases the request buffer.
type DeleteRequest struct {
	searchAttributes uint16
	name             []byte
}

// ParseDeleteRequest validates b; unicode is the header's Flags2Unicode. Its
// response is EncodeEmptyResponse.
func ParseDeleteRequest(b Block, unicode bool) (DeleteRequest, error) {
	if err := wantWords(b, 1); err != nil {
		return DeleteRequest{}, err
	}
	// MS-CIFS 2.2.4.7.1: BufferFormat MUST be 0x04, then FileName.
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return DeleteRequest{}, err
	}
	return DeleteRequest{searchAttributes: rd16(b.Words, 0), name: name}, nil
}

// SearchAttributes are the SMB_FILE_ATTRIBUTES a matching file may have
// beyond normal ones (hidden, system); FileName may hold wildcards.
func (d DeleteRequest) SearchAttributes() uint16 { return d.searchAttributes }

// FileName is the raw path or pattern, without terminator.
func (d DeleteRequest) FileName() []byte { return d.name }
