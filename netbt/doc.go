// Package netbt implements the wire formats of NetBIOS over TCP/IP (RFC 1001,
// RFC 1002) and of direct-hosted SMB on TCP port 445 (MS-SMB 2.1): the
// session service (the 4-byte packet header, session requests and their
// first-level encoded NetBIOS names, session responses and keepalives, and a
// FrameReader that cuts a byte stream into packets), the name service of UDP
// 137 (queries, registrations, releases, node status, WACK) and the datagram
// service of UDP 138.
//
// netbt parses without allocating; frames and packet views alias the buffer
// they were parsed from. It owns no sockets and no goroutines, so every entry
// point can be fuzzed alone.
package netbt
