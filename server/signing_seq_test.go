//go:build !tinysmbd_nocore

package server_test

// Tests of SMB1 message signing with requests built byte by byte: the
// NEGOTIATE bits, the sequence numbers of pending replies and NT_CANCEL,
// and what happens to a request that is not correctly signed.

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/smb"
)

// TestSigningNegotiateBits: MS-CIFS 2.2.4.52.2 SecurityMode carries
// NEGOTIATE_SECURITY_SIGNATURES_ENABLED (0x04) and _REQUIRED (0x08) as the
// mode says, beside user security and encrypted passwords (0x03).
func TestSigningNegotiateBits(t *testing.T) {
	for _, c := range []struct {
		mode server.SigningMode
		want byte
	}{{server.SigningAuto, 0x07}, {server.SigningMandatory, 0x0f}, {server.SigningDisabled, 0x03}} {
		cfg := benchConfig(t)
		cfg.Signing = c.mode
		link := dialBench(t, cfg)
		link.send(t, negotiateRequest(1))
		r, err := parseResponse(benchReply(t, link.next(t), cmdNegotiate, 1))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.words[2]; got != c.want {
			t.Errorf("%v: SecurityMode 0x%02x, want 0x%02x", c.mode, got, c.want)
		}
	}
}

// TestSigningPendingAndCancel: a NOTIFY_CHANGE left pending is answered,
// when NT_CANCEL ends it, with its own request's number N+1 after later
// requests were answered; the NT_CANCEL takes one number and no reply, so
// the ECHO after it is numbered on from there (MS-SMB 3.3.5.1). The
// signing link checks every reply's signature.
func TestSigningPendingAndCancel(t *testing.T) {
	link := newSigningLink(dialBench(t, benchConfig(t)))
	s := benchLogon(t, link)
	link.mustSign(t)
	link.send(t, ntCreateRequest(20, s.uid, s.tid, "watched", 0x1, 2, 1))
	r, err := parseResponse(benchReply(t, link.next(t), benchCmdNTCreate, 20))
	if err != nil {
		t.Fatal(err)
	}
	dir := binary.LittleEndian.Uint16(r.words[5:])

	notify := ntTransactMax(21, s.uid, s.tid, 4, notifySetup(0x3, dir, false), nil, 1000, 0)
	echo := func(mid uint16) []byte {
		return smbRequest(cmdEcho, mid, s.uid, s.tid, clientFlags2, []byte{1, 0}, []byte("ping"))
	}
	link.send(t, notify)
	notifySeq := link.want[21]
	link.send(t, echo(22))
	benchReply(t, link.next(t), cmdEcho, 22)
	link.send(t, smbRequest(cmdNTCancel, 21, s.uid, s.tid, clientFlags2, nil, nil))
	p := link.next(t) // the cancelled NOTIFY_CHANGE, checked at notifySeq
	if h := smb.Header(p); h.Command() != hCmdNTTransact || h.MID() != 21 || h.Status() != statusCancelled {
		t.Fatalf("got command 0x%02x mid %d status 0x%08x, want the NOTIFY_CHANGE cancelled", h.Command(), h.MID(), h.Status())
	}
	link.send(t, echo(23))
	benchReply(t, link.next(t), cmdEcho, 23)
	if want := notifySeq + 5; link.want[23] != want {
		t.Errorf("the ECHO after NT_CANCEL was numbered %d, want %d", link.want[23]-1, want-1)
	}
}

// TestSigningBadSignatureCloses: once a client has signed, a request with
// a wrong signature ends the connection, as Samba does.
func TestSigningBadSignatureCloses(t *testing.T) {
	sl := newSigningLink(dialBench(t, benchConfig(t)))
	benchLogon(t, sl)
	sl.mustSign(t)
	bad := echoRequest(30, []byte("ping"))
	sl.signRequest(bad[4:])
	bad[4+14] ^= 0xff
	sl.benchLink.send(t, bad)
	expectClosedWithin(t, sl.benchLink.(*streamLink).c, 5*time.Second)
}

// TestSigningMandatoryUnsignedCloses: with signing mandatory, a client
// that logs on without signing has its next request refused by closing the
// connection, as Samba's "server signing = mandatory" does.
func TestSigningMandatoryUnsignedCloses(t *testing.T) {
	cfg := benchConfig(t)
	cfg.Signing = server.SigningMandatory
	link := dialBench(t, cfg)
	link.send(t, negotiateRequest(1))
	n := checkNegotiate(t, mustParse(t, benchReply(t, link.next(t), cmdNegotiate, 1)))
	link.send(t, sessionSetupRequest(2, n, testUser, testPassword))
	benchReply(t, link.next(t), cmdSessionSetup, 2)
	link.send(t, echoRequest(3, []byte("ping")))
	expectClosedWithin(t, link.c, 5*time.Second)
}

// TestSigningAutoClientDoesNotSign: a client that asks for signing at
// logon but then does not sign is served unsigned, as Samba does while
// signing is not mandatory: its first request after the logon decides.
func TestSigningAutoClientDoesNotSign(t *testing.T) {
	sl := newSigningLink(dialBench(t, benchConfig(t)))
	link := sl.benchLink
	link.send(t, negotiateRequest(1))
	n := checkNegotiate(t, mustParse(t, benchReply(t, link.next(t), cmdNegotiate, 1)))
	sl.send(t, sessionSetupRequest(2, n, testUser, testPassword)) // with the signing flag
	benchReply(t, sl.next(t), cmdSessionSetup, 2)                 // signed: checked
	for mid := uint16(3); mid < 5; mid++ {
		link.send(t, echoRequest(mid, []byte("ping")))
		p := benchReply(t, link.next(t), cmdEcho, mid)
		if sig := smb.Header(p).SecurityFeatures(); !bytes.Equal(sig, make([]byte, 8)) {
			t.Errorf("ECHO %d answered with signature %x after signing was turned off", mid, sig)
		}
	}
}

func mustParse(t *testing.T, p []byte) smbResponse {
	t.Helper()
	r, err := parseResponse(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSigningUnknownModeRefused(t *testing.T) {
	cfg := benchConfig(t)
	cfg.Signing = server.SigningDisabled + 1
	if _, err := server.New(cfg); err == nil {
		t.Fatal("server.New accepted an unknown SigningMode")
	}
}

// TestSigningPipelinedRunners: READ_ANDX and WRITE_ANDX on two FIDs and
// ECHOs, sent in one burst, are served by runners (no file counts as fast)
// and answered as they complete, each reply signed with its own request's
// number whatever order it comes out in; the signing link checks them all.
func TestSigningPipelinedRunners(t *testing.T) {
	defer server.SetFastIO(0)()
	link := newSigningLink(dialBench(t, benchConfig(t)))
	s := benchLogon(t, link)
	link.mustSign(t)
	link.send(t, ntCreateAndXRequest(5, s.uid, s.tid, benchFileName))
	second := binary.LittleEndian.Uint16(mustParse(t, benchReply(t, link.next(t), benchCmdNTCreate, 5)).words[5:])
	for round := range 20 {
		var burst []byte
		mid := uint16(100 + 10*round)
		for i, fid := range []uint16{s.fid, second, s.fid, second} {
			if i%2 == 0 {
				burst = append(burst, readAndXRequest(mid+uint16(i), s.uid, s.tid, fid, uint64(i)<<12, 4096)...)
			} else {
				burst = append(burst, writeAndXRequest(mid+uint16(i), s.uid, s.tid, fid, uint64(i)<<12, fileOf(4096, byte(i)))...)
			}
		}
		burst = append(burst, smbRequest(cmdEcho, mid+4, s.uid, s.tid, clientFlags2, []byte{1, 0}, []byte("ping"))...)
		link.send(t, burst)
		seen := map[uint16]bool{}
		for range 5 {
			h := smb.Header(link.next(t))
			if h.Status() != statusSuccess || h.MID() < mid || h.MID() > mid+4 || seen[h.MID()] {
				t.Fatalf("round %d: reply to command 0x%02x mid %d status 0x%08x", round, h.Command(), h.MID(), h.Status())
			}
			seen[h.MID()] = true
		}
	}
}
