// Package netbt implements the wire format of the NetBIOS-over-TCP session
// service (RFC 1001, RFC 1002) and of direct-hosted SMB on TCP port 445
// (MS-SMB 2.1): the 4-byte packet header, session requests and their
// first-level encoded NetBIOS names, the session responses and keepalives,
// and a FrameReader that cuts a byte stream into packets.
//
// netbt parses without allocating; frames alias the reader's buffer. It owns
// no sockets and no goroutines, so every entry point can be fuzzed alone.
package netbt
