package netbt

import "errors"

var errRequestTrailing = errors.New("netbt: bytes after calling name in session request")

// SessionRequest is a validated session request payload (RFC 1002 4.3.2):
// the encoded called name followed by the encoded calling name.
type SessionRequest struct {
	called, calling []byte
}

// ParseSessionRequest validates a session request payload, which must hold
// exactly two well-formed encoded names.
func ParseSessionRequest(payload []byte) (SessionRequest, error) {
	n, err := scanName(payload)
	if err != nil {
		return SessionRequest{}, err
	}
	m, err := scanName(payload[n:])
	if err != nil {
		return SessionRequest{}, err
	}
	// RFC 1002 4.3.2: LENGTH covers the two names and nothing else.
	if n+m != len(payload) {
		return SessionRequest{}, errRequestTrailing
	}
	return SessionRequest{called: payload[:n:n], calling: payload[n : n+m : n+m]}, nil
}

// CalledName returns the encoded name of the service the client asks for,
// ready for DecodeName. It aliases the payload.
func (r SessionRequest) CalledName() []byte { return r.called }

// CallingName returns the encoded name the client calls from, ready for
// DecodeName. It aliases the payload.
func (r SessionRequest) CallingName() []byte { return r.calling }

// AppendSessionRequest appends a session request packet from two names
// encoded by EncodeName or taken from a parsed SessionRequest.
func AppendSessionRequest(dst []byte, called, calling []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0) // header, filled below
	dst = append(dst, called...)
	dst = append(dst, calling...)
	PutHeader(dst[start:], TypeSessionRequest, len(dst)-start-HeaderLen)
	return dst
}
