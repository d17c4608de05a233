package smb

// CloseRequest is a view of the parameter words of an SMB_COM_CLOSE request
// (MS-CIFS 2.2.4.5.1). It aliases the request buffer.
type CloseRequest []byte

// ParseCloseRequest validates b as a close request. Its response is
// EncodeEmptyResponse.
func ParseCloseRequest(b Block) (CloseRequest, error) {
	if err := wantWords(b, 3); err != nil {
		return nil, err
	}
	return CloseRequest(b.Words), nil
}

func (c CloseRequest) FID() uint16 { return rd16(c, 0) }

// LastTimeModified is a UTIME (seconds since 1970-01-01 UTC) to set as the
// file's last write time; 0 and 0xFFFFFFFF mean leave it alone
// (MS-CIFS 2.2.4.5.1).
func (c CloseRequest) LastTimeModified() uint32 { return rd32(c, 2) }

// ClosePrintFileRequest is a view of the parameter words of an
// SMB_COM_CLOSE_PRINT_FILE request (MS-CIFS 2.2.4.68.1). It aliases the
// request buffer.
type ClosePrintFileRequest []byte

// ParseClosePrintFileRequest validates b as a close-print-file request.
func ParseClosePrintFileRequest(b Block) (ClosePrintFileRequest, error) {
	if err := wantWords(b, 1); err != nil {
		return nil, err
	}
	return ClosePrintFileRequest(b.Words), nil
}

func (c ClosePrintFileRequest) FID() uint16 { return rd16(c, 0) }
