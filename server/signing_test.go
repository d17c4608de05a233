package server_test

import (
	"encoding/binary"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// signingLink is a client that signs (MS-CIFS 3.2.4.1.1, 3.2.5.1.2): it
// sets SMB_FLAGS2_SMB_SECURITY_SIGNATURE on every request, takes the MAC
// key from its own NTLMv2 SESSION_SETUP_ANDX (the session key and the NT
// response, MS-CIFS 3.1.4.1), and from the reply to it on signs every
// request and fails the test on a reply whose signature is not right for
// its request's number. It allocates nothing per message, so the
// allocation tests can run through it.
type signingLink struct {
	benchLink
	user, password string
	pending, key   []byte
	seq            uint32          // the next request's number
	want           [1 << 16]uint32 // the reply's number, by MID
}

func newSigningLink(inner benchLink) *signingLink {
	return &signingLink{benchLink: inner, user: testUser, password: testPassword}
}

func (l *signingLink) send(tb testing.TB, b []byte) {
	for rest := b; len(rest) >= 4; {
		n := int(rest[1])<<16 | int(binary.BigEndian.Uint16(rest[2:]))
		l.signRequest(rest[4 : 4+n])
		rest = rest[4+n:]
	}
	l.benchLink.send(tb, b)
}

func (l *signingLink) signRequest(msg []byte) {
	h := smb.Header(msg)
	h.SetFlags2(h.Flags2() | smb.Flags2SecuritySignature)
	if l.key == nil {
		if h.Command() == cmdSessionSetup {
			l.pending = l.macKey(msg)
		}
		return
	}
	smb.Sign(l.key, msg, l.seq)
	if h.Command() == smb.ComNTCancel {
		l.seq++
		return
	}
	l.want[h.MID()] = l.seq + 1
	l.seq += 2
}

// macKey is the MAC key of the NTLMv2 SESSION_SETUP_ANDX msg: the session
// base key HMAC_MD5(NTOWFv2, NTProofStr) (MS-NLMP 3.3.2) and the whole NT
// response.
func (l *signingLink) macKey(msg []byte) []byte {
	const words = smb.HeaderLen + 1
	lmLen := int(binary.LittleEndian.Uint16(msg[words+14:]))
	ntLen := int(binary.LittleEndian.Uint16(msg[words+16:]))
	data := words + 2*int(msg[smb.HeaderLen]) + 2
	nt := msg[data+lmLen : data+lmLen+ntLen]
	sk := hmacMD5(ntowfv2(l.password, l.user, sessionSetupDomain), nt[:16])
	return append(sk, nt...)
}

// mustSign fails the test unless the logon started signing.
func (l *signingLink) mustSign(tb testing.TB) {
	tb.Helper()
	if l.key == nil {
		tb.Fatal("the logon did not start signing")
	}
}

func (l *signingLink) next(tb testing.TB) []byte {
	p := l.benchLink.next(tb)
	h := smb.Header(p)
	if l.key == nil && l.pending != nil && h.Command() == cmdSessionSetup && h.Status() == statusSuccess {
		// MS-CIFS 3.2.5.3: the reply that completes the logon is the
		// first signed message, number 1; the next request is 2.
		l.key, l.seq = l.pending, 2
		l.want[h.MID()] = 1
	}
	if l.key == nil || h.Command() == smb.ComLockingAndX && h.Flags()&smb.FlagsReply == 0 {
		return p // MS-CIFS 3.2.5.1.2: oplock breaks are not signed
	}
	if !smb.VerifySignature(l.key, p, l.want[h.MID()]) {
		tb.Fatalf("reply to command 0x%02x mid %d: bad signature %x for sequence number %d",
			h.Command(), h.MID(), h.SecurityFeatures(), l.want[h.MID()])
	}
	if h.Flags2()&smb.Flags2SecuritySignature == 0 {
		tb.Fatalf("signed reply to command 0x%02x without SMB_FLAGS2_SMB_SECURITY_SIGNATURE", h.Command())
	}
	return p
}
