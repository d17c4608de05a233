package server

import "github.com/tinysmbd/tinysmbd/smb"

// SigningMode says whether the server signs SMB messages (Config.Signing).
type SigningMode uint8

// Signing modes. The zero value is SigningAuto.
const (
	// SigningAuto advertises signing as enabled, not required, and signs
	// a connection whose client signs or requires it.
	SigningAuto SigningMode = iota
	// SigningMandatory advertises signing as required and signs every
	// connection from its first user logon; a request that is not
	// correctly signed after it closes the connection.
	SigningMandatory
	// SigningDisabled neither advertises nor signs.
	SigningDisabled
)

// String returns the mode's config file spelling.
func (m SigningMode) String() string {
	switch m {
	case SigningMandatory:
		return "mandatory"
	case SigningDisabled:
		return "disabled"
	}
	return "auto"
}

// signState is a connection's SMB1 message signing (MS-CIFS 3.1.4.1,
// 3.3.5.2; MS-SMB 3.3.5.1), owned by the reader under c.mu.
type signState struct {
	// key is the MAC key once a logon started signing, nil before and
	// after signing was turned off.
	key []byte
	// decided is set once the first user logon decided whether the
	// connection signs: later logons never change it (MS-CIFS 3.3.5.43).
	decided bool
	// confirmed is set once a correctly signed request arrived.
	confirmed bool
	// next is ServerNextReceiveSequenceNumber.
	next uint32
	// cur is how the reply to the message being handled is signed;
	// newRequest copies it.
	cur replySign
}

// replySign is how one reply is signed: with key and seq, unless key is
// nil. A request carries its own, so a reply sent later or by another
// goroutine (a pending lock, a notification, a runner's read) is signed
// with its request's number whatever arrived since (MS-CIFS 3.3.4.1:
// ServerSendSequenceNumber[PID,MID]).
type replySign struct {
	key []byte
	seq uint32
}

// sign signs msg, an SMB message from its header on, when rs says so.
func (rs replySign) sign(msg []byte) {
	if rs.key == nil {
		return
	}
	smb.Sign(rs.key, msg, rs.seq)
}

// checkSignature verifies an incoming message once signing has started and
// numbers its reply (MS-SMB 3.3.5.1): a request takes sequence number N and
// its reply N+1, NT_CANCEL takes one number and has no reply. A bad
// signature closes the connection, as Samba does; but while no request has
// been correctly signed yet and signing is not mandatory, it turns signing
// off instead, for a client that logged on without meaning to sign (Samba's
// smb1_signing_good).
func (c *conn) checkSignature(msg []byte) error {
	c.sign.cur = replySign{}
	if c.replaying {
		// A deferred open runs again with its first arrival's number.
		c.sign.cur = c.replaySign
		return nil
	}
	if c.sign.key == nil || len(msg) < smb.HeaderLen {
		return nil
	}
	seq := c.sign.next
	if !smb.VerifySignature(c.sign.key, msg, seq) {
		if !c.sign.confirmed && c.srv.cfg.Signing != SigningMandatory {
			c.log.Info("client does not sign: signing off for the connection", "command", smb.CommandName(msg[4]))
			c.sign.key = nil
			return nil
		}
		c.log.Warn("bad SMB signature: closing the connection", "command", smb.CommandName(msg[4]),
			"mid", smb.Header(msg).MID(), "seq", seq)
		return errClose{"bad SMB signature"}
	}
	c.sign.confirmed = true
	if msg[4] == smb.ComNTCancel {
		c.sign.next++
		return nil
	}
	c.sign.next += 2
	c.sign.cur = replySign{key: c.sign.key, seq: seq + 1}
	return nil
}

// startSigning is called when a SESSION_SETUP_ANDX logged s on with a
// verified password; response is the challenge response the MAC key
// includes (nil for NTLMSSP). The first such logon starts signing for the
// connection when the client signs or requires it, or always when signing
// is mandatory, and its reply is the first signed message, number 1
// (MS-CIFS 3.3.5.43, 3.1.4.1; the request counts as 0).
func (c *conn) startSigning(req *request, s *session, response []byte) {
	if c.sign.decided || s.guest || s.anonymous {
		return
	}
	c.sign.decided = true
	switch c.srv.cfg.Signing {
	case SigningDisabled:
		return
	case SigningAuto:
		if req.hdr.Flags2()&(smb.Flags2SecuritySignature|smb.Flags2SecuritySignatureRequired) == 0 {
			return
		}
	}
	c.sign.key = smb.MACKey(s.sessionKey, response)
	c.sign.next = 2
	req.sign = replySign{key: c.sign.key, seq: 1}
	c.log.Debug("signing started", "uid", s.uid)
}

// securityMode is the NEGOTIATE response's SecurityMode signing bits
// (MS-CIFS 2.2.4.52.2).
func (c *conn) securityMode() uint8 {
	switch c.srv.cfg.Signing {
	case SigningDisabled:
		return 0
	case SigningMandatory:
		return smb.NegotiateSecuritySignaturesEnabled | smb.NegotiateSecuritySignaturesRequired
	}
	return smb.NegotiateSecuritySignaturesEnabled
}

// echoSignatureFlag is the Flags2 bit a reply echoes from its request: the
// client's wish to sign, unless the server never signs (Samba echoes it).
func (c *conn) echoSignatureFlag() uint16 {
	if c.srv.cfg.Signing == SigningDisabled {
		return 0
	}
	return smb.Flags2SecuritySignature
}

// signReply signs the reply in b (frame header included) as req says, or
// gives an unsigned SESSION_SETUP_ANDX reply to a client that asked for
// signing the SecuritySignature "BSRSPYL " (MS-CIFS 3.3.4.1; Samba too).
func signReply(req *request, b []byte) {
	msg := b[4:]
	if req.sign.key != nil {
		req.sign.sign(msg)
		return
	}
	h := smb.Header(msg)
	if h.Command() == smb.ComSessionSetupAndX && h.Flags2()&smb.Flags2SecuritySignature != 0 {
		copy(h.SecurityFeatures(), smb.BSRSPYL[:])
	}
}
