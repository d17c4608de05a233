// Package ntlm implements the NTLMSSP (MS-NLMP) and SPNEGO (RFC 4178,
// MS-SPNG) pieces an SMB1 server needs for extended-security and
// challenge/response SESSION_SETUP.
//
// ntlm parses NTLMSSP/SPNEGO without allocating; views alias the input. Every
// ParseXxx checks each length and offset up front, so the accessors of the
// view it returns index without further checks; the byte slices they return
// alias the parsed buffer and die with it. Builders append to a caller buffer.
// Everything here is a pure function of its arguments: no I/O, no clock, no
// randomness (the caller supplies the server challenge and the time), so the
// server package owns every side effect and the whole exchange is testable
// and fuzzable alone.
package ntlm
