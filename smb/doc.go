// Package smb is the SMB1 (CIFS, NT LM 0.12) wire format: the header, the
// parameter and data blocks of each command, AndX chains, transactions,
// status codes and strings. It owns no sockets, goroutines or files, so it can
// be imported and fuzzed alone.
//
// smb parses without allocating. A ParseXxx function checks every length and
// offset once, up front, and returns a view whose accessors then index the
// input freely; views and every slice they return alias the request buffer
// and die with it. Responses are built by appending into a caller's buffer
// (see Response), so a steady-state request/response round trip allocates
// nothing.
package smb
