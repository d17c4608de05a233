package smb

// EchoRequest is a view of an SMB_COM_ECHO request (MS-CIFS 2.2.4.39.1).
type EchoRequest struct {
	w    []byte
	data []byte
}

// ParseEchoRequest validates b as an echo request.
func ParseEchoRequest(b Block) (EchoRequest, error) {
	if err := wantWords(b, 1); err != nil {
		return EchoRequest{}, err
	}
	return EchoRequest{w: b.Words, data: b.Data}, nil
}

// EchoCount is how many responses the client wants; MS-CIFS 3.3.5.32 sends
// none when it is 0.
func (e EchoRequest) EchoCount() uint16 { return rd16(e.w, 0) }

// Data is the payload to send back; it aliases the request buffer.
func (e EchoRequest) Data() []byte { return e.data }

// EncodeEchoResponse appends one echo response: its SequenceNumber counts
// from 1 to EchoCount, and data is the request's payload
// (MS-CIFS 2.2.4.39.2).
func EncodeEchoResponse(r *Response, seq uint16, data []byte) {
	r.BeginWords(ComEcho)
	r.U16(seq)
	r.BeginData()
	r.Append(data)
	r.End()
}
