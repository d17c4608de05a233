package server

import (
	"errors"
	"strings"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/smb/ntlm"
	"github.com/tinysmbd/tinysmbd/vfs"
)

const dialectNTLM012 = "NT LM 0.12"

// serverCapabilities are advertised honestly: only what is implemented.
// No raw mode, no MPX, no DFS, no Unix extensions. CAP_LEVEL_II_OPLOCKS
// (MS-CIFS 2.2.4.52.2) lets clients that also set it in SESSION_SETUP be
// granted and broken to level II oplocks (oplock.go).
const serverCapabilities = smb.CapUnicode | smb.CapLargeFiles | smb.CapNTSMBs |
	smb.CapStatus32 | smb.CapNTFind | smb.CapLargeReadX | smb.CapLargeWriteX |
	smb.CapInfolevelPassthru | lockAndReadCap | smb.CapLevelIIOplocks

// negotiate picks NT LM 0.12 from the client's list (MS-CIFS 3.3.5.2).
// Windows and smbclient also list "SMB 2.002" and "SMB 2.???"; an SMB1-only
// server simply does not choose them.
func (c *conn) negotiate(req *request, b smb.Block) error {
	if c.negotiated {
		// MS-CIFS 3.3.5.2: a second NEGOTIATE on a connection is a
		// protocol error; Samba drops the connection too.
		return errClose{"second NEGOTIATE on the connection"}
	}
	n, err := smb.ParseNegotiateRequest(b)
	if err != nil {
		return smb.StatusInvalidSMB
	}
	c.negotiated = true
	idx := n.IndexOf(dialectNTLM012)
	if idx < 0 {
		if c.negotiateLANMAN(req, n) {
			return nil
		}
		c.log.Warn("client offers no dialect we speak (NT LM 0.12 only)")
		smb.EncodeNegotiateResponseCore(&req.resp, 0xFFFF)
		return nil
	}
	c.extSec = req.hdr.Flags2()&smb.Flags2ExtendedSecurity != 0
	c.dialect = dialectNTLM012
	resp := smb.NegotiateResponseNT{
		DialectIndex:  uint16(idx),
		SecurityMode:  smb.NegotiateUserSecurity | smb.NegotiateEncryptPasswords | c.securityMode(),
		MaxMpxCount:   uint16(c.srv.cfg.MaxMpxCount),
		MaxNumberVcs:  1,
		MaxBufferSize: maxBufferSize,
		MaxRawSize:    65536,
		Capabilities:  serverCapabilities,
		SystemTime:    vfs.FileTime(time.Now()),
		DomainName:    c.srv.cfg.Workgroup,
		ServerName:    c.srv.cfg.NetBIOSName,
	}
	if c.extSec {
		resp.Capabilities |= smb.CapExtendedSecurity
		resp.ServerGUID = c.srv.guid
		resp.SecurityBlob = c.srv.ntlmHint
	} else {
		randRead(c.challenge[:])
		resp.Challenge = c.challenge[:]
	}
	resp.Encode(&req.resp)
	return nil
}

// allocUID returns an unused UID: never 0 (no session) or 0xFFFF. It fails
// once the connection holds MaxSessionsPerConnection, logons in progress
// included.
func (c *conn) allocUID() (uint16, bool) {
	if len(c.sessions) >= c.srv.cfg.MaxSessionsPerConnection {
		return 0, false
	}
	for range 0xFFFE {
		c.nextUID++
		if c.nextUID == 0 || c.nextUID == 0xFFFF {
			c.nextUID = 100
		}
		if _, used := c.sessions[c.nextUID]; !used {
			return c.nextUID, true
		}
	}
	return 0, false
}

// guestOK reports whether some share admits guests, which decides whether
// an unknown user becomes a guest (see sessionSetupNTLMSSP).
func (c *conn) guestOK() bool { return c.srv.shares.Load().guestOK }

// sessionSetup authenticates a user (MS-CIFS 3.3.5.43, MS-SMB 3.3.5.3):
// NTLMSSP in SPNEGO when extended security was negotiated, otherwise the
// NTLM challenge/response against the NEGOTIATE challenge.
func (c *conn) sessionSetup(req *request, b smb.Block) error {
	if !c.negotiated {
		return smb.StatusInvalidSMB
	}
	ss, err := smb.ParseSessionSetupRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	// Q161968: NT 3.51/4.0 redirectors assumed this reply was alone in its
	// segment; keep it so unless the operator knows better.
	req.alone = !c.srv.cfg.CoalesceSessionSetup
	if c.srv.logonBlocked(c.client, time.Now()) {
		// Refused without looking at the credentials, so the
		// status tells a guesser nothing (limits.go).
		c.logLimited(logLogonBlocked, "logon refused: too many failed logons from this address", "window", c.srv.cfg.LogonFailureWindow.String())
		if s := c.sessions[req.uid]; s != nil && !s.valid {
			delete(c.sessions, req.uid)
		}
		c.delayLogonFailure()
		return smb.StatusLogonFailure
	}
	if ss.ExtendedSecurity() {
		err = c.sessionSetupNTLMSSP(req, ss)
	} else {
		err = c.sessionSetupChallenge(req, ss)
	}
	switch err {
	case errAnonymousRefused:
		return smb.StatusLogonFailure
	case smb.StatusLogonFailure:
		c.srv.logonFailed(c.client, time.Now())
		c.delayLogonFailure()
	}
	return err
}

// errAnonymousRefused is a null logon under RestrictAnonymous: answered
// STATUS_LOGON_FAILURE, but neither delayed nor counted as a guess.
var errAnonymousRefused = errors.New("anonymous logon refused")

func (c *conn) sessionSetupNTLMSSP(req *request, ss smb.SessionSetupRequest) error {
	if !c.extSec {
		return smb.StatusInvalidParameter
	}
	s := c.sessions[req.uid]
	reauth := false
	switch {
	case req.uid != 0 && s == nil:
		// MS-SMB 3.3.5.3: a UID the connection does not know is
		// refused; Samba forces the DOS form, ERRSRV/ERRbaduid
		// (smbtorture raw.context session1).
		return smb.StatusSMBBadUID
	case s != nil && s.valid && s.auth == nil:
		// Re-authentication of a logged-on session keeps its UID and
		// what it holds open (MS-SMB 3.3.5.3; raw.session reauth1).
		s.auth = c.newNTLMSession()
		reauth = true
	case s != nil && s.auth != nil:
		// The next leg of a logon or re-authentication in progress.
		reauth = s.valid
	default:
		uid, ok := c.allocUID()
		if !ok {
			return smb.StatusTooManySessions
		}
		s = &session{uid: uid, auth: c.newNTLMSession()}
		c.sessions[uid] = s
	}
	c.clientCaps = ss.Capabilities()
	c.clientMaxBuf = int(ss.MaxBufferSize())
	out, res, err := s.auth.Step(ss.SecurityBlob())
	action := uint16(0)
	switch {
	case err != nil && res.Guest && c.guestOK():
		// An unknown user becomes guest, as Samba's "map to guest = Bad
		// User" does; a known user with a wrong password does not.
		out = s.auth.GuestToken(nil)
		s.guest = true
		action = smb.SessionSetupGuest
	case err != nil:
		if reauth {
			// A failed re-authentication leaves the session as it
			// was logged on.
			s.auth = nil
		} else {
			delete(c.sessions, s.uid)
		}
		c.logLimited(logLogonFailed, "logon failed", "user", res.User, "domain", res.Domain, "status", err.Error())
		return err
	case res.State == ntlm.StateContinue:
		req.status = smb.StatusMoreProcessingRequired
	case res.Anonymous:
		if c.srv.cfg.RestrictAnonymous {
			if reauth {
				s.auth = nil
			} else {
				delete(c.sessions, s.uid)
			}
			return errAnonymousRefused
		}
		s.guest, s.anonymous = true, true
	}
	if req.status != smb.StatusMoreProcessingRequired {
		s.valid = true
		s.auth = nil
		s.user, s.domain, s.sessionKey = res.User, res.Domain, res.SessionKey
		s.since = time.Now()
		c.log.Info("logon", "user", s.user, "domain", s.domain, "guest", s.guest, "uid", s.uid)
		// MS-SMB 3.3.5.3: an NTLMSSP logon signs with the exported
		// session key alone.
		c.startSigning(req, s, nil)
	}
	req.setUID(s.uid)
	smb.SessionSetupResponse{
		ExtendedSecurity: true,
		Action:           action,
		SecurityBlob:     out,
		NativeOS:         "Unix",
		NativeLanMan:     "tinysmbd",
		PrimaryDomain:    c.srv.cfg.Workgroup,
	}.Encode(&req.resp)
	if req.status == smb.StatusMoreProcessingRequired {
		// MS-SMB 3.3.5.3: the chain stops at an unfinished logon.
		return errStop
	}
	return nil
}

// newNTLMSession starts the server side of one NTLMSSP exchange.
func (c *conn) newNTLMSession() *ntlm.ServerSession {
	var challenge [8]byte
	randRead(challenge[:])
	return ntlm.NewServerSession(ntlm.ServerConfig{
		NetBIOSName: c.srv.cfg.NetBIOSName,
		Domain:      c.srv.cfg.Workgroup,
		AllowNTLMv1: c.srv.cfg.NTLMv1,
		LookupUser:  c.srv.authenticator().NTHash,
		Challenge:   challenge,
		Now:         time.Now,
	})
}

func (c *conn) sessionSetupChallenge(req *request, ss smb.SessionSetupRequest) error {
	var nameBuf [256]byte
	user := string(smb.DecodeString(nameBuf[:0], ss.AccountName(), req.unicode))
	domain := string(smb.DecodeString(nameBuf[:0], ss.PrimaryDomain(), req.unicode))
	s := &session{user: user, domain: domain}
	action := uint16(0)
	auth := c.srv.authenticator()
	ntHash, known := auth.NTHash(user)
	switch {
	case user == "" && len(ss.UnicodePassword()) == 0 && len(ss.OEMPassword()) <= 1:
		// The null session (MS-CIFS 3.3.5.43: empty name and password).
		if c.srv.cfg.RestrictAnonymous {
			return errAnonymousRefused
		}
		s.guest, s.anonymous = true, true
	case !known:
		if !c.guestOK() {
			c.logLimited(logLogonFailed, "logon failed: unknown user", "user", user)
			return smb.StatusLogonFailure
		}
		s.guest = true
		action = smb.SessionSetupGuest
	default:
		key, ok := ntlm.VerifyChallengeResponse(ntHash, user, domain, c.challenge,
			ss.OEMPassword(), ss.UnicodePassword(), c.srv.cfg.NTLMv1)
		if la, isLM := auth.(lmAuthenticator); !ok && c.srv.cfg.NTLMv1 && isLM && len(ss.OEMPassword()) == 24 {
			if lm, hasLM := la.lmHash(user); hasLM {
				key, ok = ntlm.VerifyLM(lm, c.challenge, ss.OEMPassword())
			}
		}
		if !ok {
			c.logLimited(logLogonFailed, "logon failed: wrong password", "user", user)
			return smb.StatusLogonFailure
		}
		s.sessionKey = key
	}
	uid, ok := c.allocUID()
	if !ok {
		return smb.StatusTooManySessions
	}
	s.uid, s.valid, s.since = uid, true, time.Now()
	c.sessions[uid] = s
	c.clientCaps = ss.Capabilities()
	c.clientMaxBuf = int(ss.MaxBufferSize())
	c.log.Info("logon", "user", s.user, "domain", s.domain, "guest", s.guest, "uid", uid)
	// MS-CIFS 3.1.4.1: the MAC key is the session key and the response
	// the password was checked with, the NT one when there is one, as
	// Samba takes it.
	resp := ss.UnicodePassword()
	if len(resp) == 0 {
		resp = ss.OEMPassword()
	}
	c.startSigning(req, s, resp)
	req.setUID(uid)
	smb.SessionSetupResponse{
		Action:        action,
		NativeOS:      "Unix",
		NativeLanMan:  "tinysmbd",
		PrimaryDomain: c.srv.cfg.Workgroup,
	}.Encode(&req.resp)
	return nil
}

// logoff ends a session and closes what it opened (MS-CIFS 3.3.5.44).
func (c *conn) logoff(req *request, b smb.Block) error {
	if err := smb.ParseLogoffRequest(b); err != nil {
		return smb.StatusInvalidSMB
	}
	c.closeFilesWhere(func(o fileOwner) bool { return o.uid == req.uid })
	delete(c.sessions, req.uid)
	smb.EncodeEmptyResponse(&req.resp, smb.ComLogoffAndX)
	return nil
}

func (c *conn) allocTID() (uint16, bool) {
	if len(c.trees) >= c.srv.cfg.MaxTreesPerConnection {
		return 0, false
	}
	for range 0xFFFE {
		c.nextTID++
		if c.nextTID == 0 || c.nextTID == 0xFFFF {
			c.nextTID = 1
		}
		if _, used := c.trees[c.nextTID]; !used {
			return c.nextTID, true
		}
	}
	return 0, false
}

// Access masks reported in the extended TREE_CONNECT_ANDX response
// (MS-SMB 2.2.4.7.2): full access, or read/execute for a read-only share.
const (
	accessAll      = 0x001F01FF
	accessReadOnly = 0x001200A9
)

// treeConnect connects to a share or IPC$ (MS-CIFS 3.3.5.46).
func (c *conn) treeConnect(req *request, b smb.Block) error {
	tc, err := smb.ParseTreeConnectRequest(b, req.unicode)
	if err != nil {
		return smb.StatusInvalidParameter
	}
	if tc.Flags()&smb.TreeConnectDisconnectTID != 0 {
		c.disconnectTree(req.tid)
	}
	var pathBuf [512]byte
	path := smb.DecodeString(pathBuf[:0], tc.Path(), req.unicode)
	name := string(path)
	if i := strings.LastIndexByte(name, '\\'); i >= 0 {
		name = name[i+1:]
	}
	service := string(tc.Service())
	sess := c.sessions[req.uid]

	t := &tree{uid: req.uid, since: time.Now()}
	resp := smb.TreeConnectResponse{
		Extended:        tc.Flags()&smb.TreeConnectExtendedResponse != 0,
		OptionalSupport: smb.SupportSearchBits,
	}
	if strings.EqualFold(name, "IPC$") {
		if service != smb.ServiceAny && service != smb.ServiceIPC {
			return smb.StatusBadDeviceType
		}
		t.readOnly = true
		resp.Service = smb.ServiceIPC
		resp.MaximalShareAccessRights = accessReadOnly
		resp.GuestMaximalShareAccessRights = accessReadOnly
	} else {
		set := c.srv.shares.Load()
		sh := set.byName[strings.ToUpper(name)]
		if sh == nil {
			c.log.Info("tree connect to unknown share", "share", name)
			return smb.StatusBadNetworkName
		}
		if service != smb.ServiceAny && service != smb.ServiceDisk {
			return smb.StatusBadDeviceType
		}
		if sess.anonymous {
			// A null session reaches IPC$ (to list shares) and
			// nothing else, guest share or not.
			c.log.Info("tree connect refused: anonymous session", "share", name)
			return smb.StatusAccessDenied
		}
		r := set.right(sh, sess)
		if r == rightNone {
			c.log.Info("tree connect refused: the user may not use this share", "user", sess.user, "share", name)
			return smb.StatusAccessDenied
		}
		t.share, t.sess, t.user, t.right, t.fs = sh, sess, sess.user, r, sh.view(r)
		t.readOnly = t.fs.ReadOnly()
		resp.Service = smb.ServiceDisk
		resp.NativeFileSystem = "NTFS"
		resp.MaximalShareAccessRights = accessAll
		if t.readOnly {
			resp.MaximalShareAccessRights = accessReadOnly
		}
		resp.GuestMaximalShareAccessRights = resp.MaximalShareAccessRights
	}
	tid, ok := c.allocTID()
	if !ok {
		return smb.StatusInsuffServerResources
	}
	t.tid = tid
	c.trees[tid] = t
	req.setTID(tid)
	resp.Encode(&req.resp)
	return nil
}

// treeDisconnect closes a tree and what was opened through it
// (MS-CIFS 3.3.5.47).
func (c *conn) treeDisconnect(req *request, b smb.Block) error {
	if err := smb.ParseTreeDisconnectRequest(b); err != nil {
		return smb.StatusInvalidSMB
	}
	c.disconnectTree(req.tid)
	smb.EncodeEmptyResponse(&req.resp, smb.ComTreeDisconnect)
	return nil
}

func (c *conn) disconnectTree(tid uint16) {
	if _, ok := c.trees[tid]; !ok {
		return
	}
	c.closeFilesWhere(func(o fileOwner) bool { return o.tid == tid })
	for id, s := range c.searches {
		if s.tid == tid {
			delete(c.searches, id)
		}
	}
	delete(c.trees, tid)
}

// maxEchoCount bounds the replies one ECHO can ask for, so a client cannot
// make the server queue 65535 of them.
const maxEchoCount = 64

// echo answers EchoCount times (MS-CIFS 3.3.5.39); a count of 0 gets no
// reply at all.
func (c *conn) echo(req *request, b smb.Block) error {
	e, err := smb.ParseEchoRequest(b)
	if err != nil {
		return smb.StatusInvalidSMB
	}
	n := e.EchoCount()
	if n == 0 {
		return errNoReply
	}
	n = min(n, maxEchoCount)
	// The replies before the last go out as messages of their own, in
	// order; the last one is this request's reply.
	for seq := uint16(1); seq < n; seq++ {
		extra := c.newRequest(req.hdr)
		smb.EncodeEchoResponse(&extra.resp, seq, e.Data())
		if err := c.finish(extra); err != nil {
			return err
		}
	}
	smb.EncodeEchoResponse(&req.resp, n, e.Data())
	return nil
}
