package smb

// DirectoryRequest is a view of a CREATE_DIRECTORY, DELETE_DIRECTORY or
// CHECK_DIRECTORY request, which share one layout: no parameter words, then
// buffer format 0x04 and DirectoryName (MS-CIFS 2.2.4.1.1, 2.2.4.2.1,
// 2.2.4.17.1). Their responses are EncodeEmptyResponse.
type DirectoryRequest struct {
	name []byte
}

// ParseCreateDirectoryRequest validates b; unicode is the header's
// Flags2Unicode.
func ParseCreateDirectoryRequest(b Block, unicode bool) (DirectoryRequest, error) {
	return parseDirectoryRequest(b, unicode)
}

// ParseDeleteDirectoryRequest validates b; unicode is the header's
// Flags2Unicode.
func ParseDeleteDirectoryRequest(b Block, unicode bool) (DirectoryRequest, error) {
	return parseDirectoryRequest(b, unicode)
}

// ParseCheckDirectoryRequest validates b; unicode is the header's
// Flags2Unicode.
func ParseCheckDirectoryRequest(b Block, unicode bool) (DirectoryRequest, error) {
	return parseDirectoryRequest(b, unicode)
}

func parseDirectoryRequest(b Block, unicode bool) (DirectoryRequest, error) {
	if err := wantWords(b, 0); err != nil {
		return DirectoryRequest{}, err
	}
	name, _, err := readFormatString(b, b.DataOffset(), unicode)
	if err != nil {
		return DirectoryRequest{}, err
	}
	return DirectoryRequest{name: name}, nil
}

// DirectoryName is the raw path, without terminator.
func (d DirectoryRequest) DirectoryName() []byte { return d.name }
