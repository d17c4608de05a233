package smb

// FlushAllFIDs is the FID of a flush request that asks for every file the
// process opened (MS-CIFS 2.2.4.6.1).
const FlushAllFIDs uint16 = 0xFFFF

// FlushRequest is a view of the parameter words of an SMB_COM_FLUSH request
// (MS-CIFS 2.2.4.6.1). It aliases the request buffer.
type FlushRequest []byte

// ParseFlushRequest validates b as a flush request. Its response is
// EncodeEmptyResponse.
func ParseFlushRequest(b Block) (FlushRequest, error) {
	if err := wantWords(b, 1); err != nil {
		return nil, err
	}
	return FlushRequest(b.Words), nil
}

func (f FlushRequest) FID() uint16 { return rd16(f, 0) }
