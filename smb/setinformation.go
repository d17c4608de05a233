package smb

// SetInformationRequest is a view of an SMB_COM_SET_INFORMATION request
// (MS-CIFS 2.2.4.10.1, WordCount 8). FileName aliases the request buffer.
type SetInformationRequest struct {
	w    []byte
	name []byte
}

// ParseSetInformationRequest validates b; unicode is the header's
// Flags2Unicode. Its response is EncodeEmptyResponse.
func ParseSetInformationRequest(b Block, unicode bool) (SetInformationRequest, error) {
	if err := wantWords(b, 8); err != nil {
		return SetInformationRequest{}, err
	}
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return SetInformationRequest{}, err
	}
	return SetInformationRequest{w: b.Words, name: name}, nil
}

// FileAttributes is the SMB_FILE_ATTRIBUTES set to apply.
func (s SetInformationRequest) FileAttributes() uint16 { return rd16(s.w, 0) }

// LastWriteTime is a UTIME to set; 0 leaves the time alone
// (MS-CIFS 2.2.4.10.1).
func (s SetInformationRequest) LastWriteTime() uint32 { return rd32(s.w, 2) }

// FileName is the raw path, without terminator.
func (s SetInformationRequest) FileName() []byte { return s.name }
