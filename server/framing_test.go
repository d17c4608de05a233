package server_test

import (
	"encoding/binary"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
)

// TestNetBTMessageWithoutSessionRequest: a client that sends session
// messages on the NetBT port without a session request first is served, as
// Samba serves it (some embedded clients skip the request).
func TestNetBTMessageWithoutSessionRequest(t *testing.T) {
	c := dialTransport(t, "tcp", segConfig(), server.FramingNetBT)
	if _, err := c.Write(negotiateRequest(1)); err != nil {
		t.Fatal(err)
	}
	checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	payload := echoPayload(2, 100)
	if _, err := c.Write(echoRequest(2, payload)); err != nil {
		t.Fatal(err)
	}
	checkEcho(t, expectReply(t, c, cmdEcho, 2), 2, payload)
}

// TestSMB2NegotiateClosesCleanly: an SMB2 NEGOTIATE ("\xfeSMB") gets no SMB1
// reply, only a closed connection (the server logs why).
func TestSMB2NegotiateClosesCleanly(t *testing.T) {
	c := dialTransport(t, "tcp", segConfig(), server.FramingDirect)
	smb2 := append([]byte{0xFE, 'S', 'M', 'B', 64, 0}, make([]byte, 58)...)
	if _, err := c.Write(frame(nbssMessage, smb2)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 64)); err == nil {
		t.Fatalf("server answered an SMB2 NEGOTIATE with %d bytes instead of closing", n)
	}
}

// TestDOSErrorsWithoutNTStatus: a client that leaves FLAGS2_NT_STATUS clear
// gets errors as DOS class and code (MS-CIFS 2.2.3.1): a wrong password is
// ERRSRV/ERRbadpw, not STATUS_LOGON_FAILURE.
func TestDOSErrorsWithoutNTStatus(t *testing.T) {
	c := dialTransport(t, "tcp", segConfig(), server.FramingDirect)
	if _, err := c.Write(negotiateRequest(1)); err != nil {
		t.Fatal(err)
	}
	neg := checkNegotiate(t, expectReply(t, c, cmdNegotiate, 1))
	req := sessionSetupRequest(2, neg, testUser, "wrong password")
	// Clear FLAGS2_NT_STATUS (header byte 10-11, after the 4-byte frame).
	binary.LittleEndian.PutUint16(req[4+10:], binary.LittleEndian.Uint16(req[4+10:])&^flags2NTStatus)
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	_, m, err := readFrame(c)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := parseResponse(m)
	if err != nil {
		t.Fatal(err)
	}
	// Status is ErrorClass (byte 0), a reserved byte, ErrorCode (bytes 2-3).
	if class, code := byte(resp.status), uint16(resp.status>>16); class != 0x02 || code != 2 {
		t.Fatalf("status 0x%08x: want ERRSRV (2) / ERRbadpw (2)", resp.status)
	}
	if resp.flags2&flags2NTStatus != 0 {
		t.Fatalf("reply sets FLAGS2_NT_STATUS for a client that did not")
	}
}
