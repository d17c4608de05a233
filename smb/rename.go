package smb

// RenameRequest is a view of an SMB_COM_RENAME request (MS-CIFS 2.2.4.8.1).
// Both names alias the request buffer.
type RenameRequest struct {
	searchAttributes uint16
	oldName          []byte
	newName          []byte
}

// ParseRenameRequest validates b; unicode is the header's Flags2Unicode. Its
// response is EncodeEmptyResponse.
func ParseRenameRequest(b Block, unicode bool) (RenameRequest, error) {
	if err := wantWords(b, 1); err != nil {
		return RenameRequest{}, err
	}
	r := RenameRequest{searchAttributes: rd16(b.Words, 0)}
	var off int
	var err error
	if r.oldName, off, err = readFormatString(b, b.DataOffset(), unicode); err != nil {
		return RenameRequest{}, err
	}
	// MS-CIFS 2.2.4.8.1: in Unicode, NewFileName's buffer format byte is
	// followed by a pad byte, because the old name always ends on an even
	// offset; the alignment ReadString applies is that pad.
	if r.newName, _, err = readFormatString(b, off, unicode); err != nil {
		return RenameRequest{}, err
	}
	return r, nil
}

// SearchAttributes are the SMB_FILE_ATTRIBUTES a matching file may have
// beyond normal ones; OldFileName may hold wildcards.
func (r RenameRequest) SearchAttributes() uint16 { return r.searchAttributes }

func (r RenameRequest) OldFileName() []byte { return r.oldName }
func (r RenameRequest) NewFileName() []byte { return r.newName }
