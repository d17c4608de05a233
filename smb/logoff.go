package smb

// ParseLogoffRequest validates a LOGOFF_ANDX request: only the AndX header
// (MS-CIFS 2.2.4.54.1); the UID is in the header. Its response is
// EncodeEmptyResponse, which writes the AndX header alone.
func ParseLogoffRequest(b Block) error { return wantWords(b, 2) }

// EncodeEmptyResponse appends the success response of a command that returns
// no fields: its AndX header if it is an AndX command, and an empty data
// block. CLOSE, FLUSH, DELETE, RENAME, CREATE_DIRECTORY, DELETE_DIRECTORY,
// CHECK_DIRECTORY, SET_INFORMATION, TREE_DISCONNECT and LOGOFF_ANDX answer
// this way.
func EncodeEmptyResponse(r *Response, cmd uint8) {
	r.BeginWords(cmd)
	r.BeginData()
	r.End()
}
