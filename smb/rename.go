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
	var err error
	if r.oldName, r.newName, err = readRenameNames(b, unicode); err != nil {
		return RenameRequest{}, err
	}
	return r, nil
}

// readRenameNames reads the data block RENAME and NT_RENAME share:
// OldFileName and NewFileName, each an SMB_STRING.
func readRenameNames(b Block, unicode bool) (oldName, newName []byte, err error) {
	var off int
	if oldName, off, err = readFormatString(b, b.DataOffset(), unicode); err != nil {
		return nil, nil, err
	}
	// MS-CIFS 2.2.4.8.1: in Unicode, NewFileName's buffer format byte is
	// followed by a pad byte, because the old name always ends on an even
	// offset; the alignment ReadString applies is that pad.
	if newName, _, err = readFormatString(b, off, unicode); err != nil {
		return nil, nil, err
	}
	return oldName, newName, nil
}

// SearchAttributes are the SMB_FILE_ATTRIBUTES a matching file may have
// beyond normal ones; OldFileName may hold wildcards.
func (r RenameRequest) SearchAttributes() uint16 { return r.searchAttributes }

func (r RenameRequest) OldFileName() []byte { return r.oldName }
func (r RenameRequest) NewFileName() []byte { return r.newName }

// NT_RENAME InformationLevel values (MS-CIFS 2.2.4.66.1, where they are
// SMB_NT_RENAME_MOVE_CLUSTER_INFO, _SET_LINK_INFO, _RENAME_FILE and
// _MOVE_FILE; the names here are Samba's).
const (
	RenameFlagMoveClusterInformation uint16 = 0x0102
	RenameFlagHardLink               uint16 = 0x0103
	RenameFlagRename                 uint16 = 0x0104
	RenameFlagCopy                   uint16 = 0x0105
)

// NTRenameRequest is a view of an SMB_COM_NT_RENAME request
// (MS-CIFS 2.2.4.66.1). Both names alias the request buffer.
type NTRenameRequest struct {
	searchAttributes uint16
	informationLevel uint16
	clusterCount     uint32
	oldName          []byte
	newName          []byte
}

// ParseNTRenameRequest validates b; unicode is the header's Flags2Unicode.
// The InformationLevel is returned as sent: which levels a server honours
// is its business, not the wire format's. Its response is
// EncodeEmptyResponse.
func ParseNTRenameRequest(b Block, unicode bool) (NTRenameRequest, error) {
	// MS-CIFS 2.2.4.66.1: WordCount MUST be 0x04.
	if err := wantWords(b, 4); err != nil {
		return NTRenameRequest{}, err
	}
	r := NTRenameRequest{
		searchAttributes: rd16(b.Words, 0),
		informationLevel: rd16(b.Words, 2),
		clusterCount:     rd32(b.Words, 4),
	}
	var err error
	if r.oldName, r.newName, err = readRenameNames(b, unicode); err != nil {
		return NTRenameRequest{}, err
	}
	return r, nil
}

// SearchAttributes are the SMB_FILE_ATTRIBUTES the file may have beyond
// normal ones.
func (r NTRenameRequest) SearchAttributes() uint16 { return r.searchAttributes }

// InformationLevel says what to do: one of the RenameFlag values.
func (r NTRenameRequest) InformationLevel() uint16 { return r.informationLevel }

// ClusterCount is meaningful for RenameFlagMoveClusterInformation only;
// MS-CIFS calls it Reserved otherwise.
func (r NTRenameRequest) ClusterCount() uint32 { return r.clusterCount }

func (r NTRenameRequest) OldFileName() []byte { return r.oldName }
func (r NTRenameRequest) NewFileName() []byte { return r.newName }
