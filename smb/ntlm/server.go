package ntlm

import (
	"crypto/subtle"
	"encoding/binary"
	"strings"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
)

// ServerConfig configures a ServerSession. Everything that is not pure (the
// user database, randomness, the clock) comes from the caller.
type ServerConfig struct {
	// NetBIOSName is the server's NetBIOS name: the TargetName and
	// MsvAvNbComputerName of the CHALLENGE.
	NetBIOSName string
	// Domain is the NetBIOS domain or workgroup (MsvAvNbDomainName).
	Domain string
	// DNSComputer and DNSDomain fill the DNS AV pairs; when empty the
	// lower-cased NetBIOS names are used, as Samba does without a realm.
	DNSComputer, DNSDomain string
	// AllowNTLMv1 admits NTLMv1, NTLM2 session and LM-field responses.
	// LMv2 and NTLMv2 are always admitted.
	AllowNTLMv1 bool
	// LookupUser returns the NT hash (NTHash) of a user as the client spelled
	// the name; it should match names case-insensitively, as Windows does.
	LookupUser func(name string) (ntHash [16]byte, ok bool)
	// Challenge is the server challenge; it must be fresh random bytes for
	// every session, or captured responses can be replayed.
	Challenge [8]byte
	// Now supplies MsvAvTimestamp. When nil no timestamp is sent, and clients
	// then send no MIC (MS-NLMP 3.1.5.1.2).
	Now func() time.Time
}

// State says what the caller does with Step's output.
type State uint8

// States.
const (
	// StateContinue: send out with STATUS_MORE_PROCESSING_REQUIRED.
	StateContinue State = iota + 1
	// StateDone: the user (or anonymous) is authenticated; send out with
	// STATUS_SUCCESS.
	StateDone
	// StateFailed: the exchange is over; Step's error is the status to send.
	StateFailed
)

// Result reports the outcome of one Step.
type Result struct {
	State State
	// User, Domain and Workstation are decoded from the AUTHENTICATE_MESSAGE
	// (set once one was parsed, also on failure, for logging).
	User, Domain, Workstation string
	// Anonymous is set for the null session (MS-NLMP 3.2.5.1.2: empty user
	// name and empty, or Z(1), responses). State is StateDone and
	// SessionKey is zero; whether to admit anonymous users is the caller's
	// policy.
	Anonymous bool
	// Guest is set when the user is unknown. Step then fails with
	// smb.StatusLogonFailure; a server that maps bad users to guest may
	// instead grant a guest session and answer with GuestToken.
	Guest bool
	// SessionKey is the exported session key (MS-NLMP 3.2.5.1.2), the input
	// of SMB signing.
	SessionKey [16]byte
	// Method is how the user was authenticated.
	Method Method
	// Flags are the negotiated NegotiateFlags.
	Flags uint32
}

// phase is where a ServerSession is in the exchange.
type phase uint8

const (
	phaseInitial phase = iota
	phaseAwaitNegotiate
	phaseAwaitAuthenticate
	phaseOver
)

// ServerSession is the acceptor side of one NTLMSSP exchange, bare or inside
// SPNEGO. It is pure: Step maps a client token to the reply token and a
// Result. It is not safe for concurrent use.
type ServerSession struct {
	cfg          ServerConfig
	phase        phase
	spnego       bool
	flags        uint32
	negotiate    []byte // copy of the client's NEGOTIATE_MESSAGE, for the MIC
	challenge    []byte // the CHALLENGE_MESSAGE sent
	mechTypesDER []byte // copy of the client's MechTypeList, for mechListMIC
}

// NewServerSession starts an exchange.
func NewServerSession(cfg ServerConfig) *ServerSession {
	return &ServerSession{cfg: cfg}
}

// Step consumes one security token from a SESSION_SETUP_ANDX and returns the
// token to send back. It accepts a SPNEGO NegTokenInit or a raw
// NTLMSSP_NEGOTIATE first, then a NegTokenResp or raw AUTHENTICATE; each
// reply is wrapped the way the token it answers came. Malformed tokens fail
// with smb.StatusInvalidParameter, bad credentials with
// smb.StatusLogonFailure; after a failure or success every further Step
// fails.
func (s *ServerSession) Step(token []byte) (out []byte, res Result, err error) {
	out, res, err = s.step(token)
	if err != nil {
		s.phase = phaseOver
		res.State = StateFailed
		return nil, res, err
	}
	return out, res, nil
}

// step is Step before failures are made terminal.
func (s *ServerSession) step(token []byte) ([]byte, Result, error) {
	raw := IsNTLMSSP(token)
	if raw {
		s.spnego = false
	}
	switch s.phase {
	case phaseInitial:
		if raw {
			return s.negotiateStep(token, false)
		}
		init, err := ParseNegTokenInit(token)
		if err != nil {
			return nil, Result{}, smb.StatusInvalidParameter
		}
		if !init.MechTypes.Contains(OIDNTLMSSP) {
			return nil, Result{}, smb.StatusLogonFailure
		}
		s.spnego = true
		s.mechTypesDER = append([]byte(nil), init.MechTypesDER...)
		preferred := string(init.MechTypes.First()) == OIDNTLMSSP
		if preferred && len(init.MechToken) > 0 {
			return s.negotiateStep(init.MechToken, true)
		}
		// No NTLMSSP token yet: name NTLMSSP and wait for its NEGOTIATE. RFC
		// 4178 5: when the choice is not the initiator's first, the acceptor
		// says request-mic so the mechListMIC protects the choice.
		s.phase = phaseAwaitNegotiate
		state := AcceptIncomplete
		if !preferred {
			state = RequestMIC
		}
		return AppendNegTokenResp(nil, state, true, nil), Result{State: StateContinue}, nil
	case phaseAwaitNegotiate, phaseAwaitAuthenticate:
		inner := token
		var resp NegTokenResp
		if !raw {
			var err error
			if resp, err = ParseNegTokenResp(token); err != nil {
				return nil, Result{}, smb.StatusInvalidParameter
			}
			s.spnego = true
			inner = resp.ResponseToken
		}
		if s.phase == phaseAwaitNegotiate {
			return s.negotiateStep(inner, false)
		}
		return s.authenticateStep(inner, resp.MechListMIC)
	}
	return nil, Result{}, smb.StatusInvalidParameter
}

// negotiateStep answers a NEGOTIATE_MESSAGE with a CHALLENGE_MESSAGE.
func (s *ServerSession) negotiateStep(token []byte, firstReply bool) ([]byte, Result, error) {
	neg, err := ParseNegotiate(token)
	if err != nil {
		return nil, Result{}, smb.StatusInvalidParameter
	}
	s.negotiate = append([]byte(nil), token...)
	s.flags = challengeFlags(neg.Flags())
	var ts uint64
	if s.cfg.Now != nil {
		ts = FileTime(s.cfg.Now())
	}
	dnsComputer, dnsDomain := s.cfg.DNSComputer, s.cfg.DNSDomain
	if dnsComputer == "" {
		dnsComputer = strings.ToLower(s.cfg.NetBIOSName)
	}
	if dnsDomain == "" {
		dnsDomain = strings.ToLower(s.cfg.Domain)
	}
	s.challenge = AppendChallenge(nil, ChallengeParams{
		Flags:           s.flags,
		ServerChallenge: s.cfg.Challenge,
		TargetName:      s.cfg.NetBIOSName,
		NetBIOSDomain:   s.cfg.Domain,
		NetBIOSComputer: s.cfg.NetBIOSName,
		DNSDomain:       dnsDomain,
		DNSComputer:     dnsComputer,
		Timestamp:       ts,
	})
	s.phase = phaseAwaitAuthenticate
	res := Result{State: StateContinue, Flags: s.flags}
	if !s.spnego {
		return append([]byte(nil), s.challenge...), res, nil
	}
	return AppendNegTokenResp(nil, AcceptIncomplete, firstReply, s.challenge), res, nil
}

// challengeFlags picks the CHALLENGE flags from the client's (MS-NLMP
// 3.2.5.1.1). LM_KEY and NON_NT_SESSION_KEY are never granted: they need
// the LM hash, which the server does not keep.
func challengeFlags(c uint32) uint32 {
	f := NegotiateNTLM | NegotiateTargetInfo | NegotiateVersion | TargetTypeServer
	if c&NegotiateUnicode != 0 {
		f |= NegotiateUnicode
	} else {
		f |= NegotiateOEM
	}
	f |= c & (RequestTarget | NegotiateSign | NegotiateSeal | NegotiateAlwaysSign |
		NegotiateExtendedSessionSecurity | NegotiateKeyExch | Negotiate128 | Negotiate56)
	return f
}

// authenticateStep verifies an AUTHENTICATE_MESSAGE (MS-NLMP 3.2.5.1.2).
func (s *ServerSession) authenticateStep(token, clientMechListMIC []byte) ([]byte, Result, error) {
	auth, err := ParseAuthenticate(token)
	if err != nil {
		return nil, Result{}, smb.StatusInvalidParameter
	}
	flags := s.flags
	unicode := flags&NegotiateUnicode != 0
	if auth.HasFlags() {
		// The client may only narrow what was offered.
		flags &= auth.Flags() | NegotiateNTLM | NegotiateTargetInfo | NegotiateVersion | TargetTypeServer
		unicode = auth.Flags()&NegotiateUnicode != 0
	}
	res := Result{
		User:        string(AppendDecodedString(nil, auth.UserName(), unicode)),
		Domain:      string(AppendDecodedString(nil, auth.DomainName(), unicode)),
		Workstation: string(AppendDecodedString(nil, auth.Workstation(), unicode)),
		Flags:       flags,
	}
	lm, nt := auth.LMResponse(), auth.NTResponse()
	s.phase = phaseOver
	if res.User == "" && len(nt) == 0 && (len(lm) == 0 || len(lm) == 1 && lm[0] == 0) {
		res.State, res.Anonymous, res.Method = StateDone, true, MethodAnonymous
		return s.accepted(nil), res, nil
	}
	if len(nt) > 24 && !WellFormedNTLMv2Response(nt) {
		// MS-NLMP 2.2.2.8: longer than NTLMv1 means NTLMv2; Samba answers
		// one it cannot parse with STATUS_INVALID_PARAMETER, not as a
		// wrong password.
		return nil, res, smb.StatusInvalidParameter
	}
	if s.cfg.LookupUser == nil {
		res.Guest = true
		return nil, res, smb.StatusLogonFailure
	}
	ntHash, ok := s.cfg.LookupUser(res.User)
	if !ok {
		res.Guest = true
		return nil, res, smb.StatusLogonFailure
	}
	chal := s.cfg.Challenge
	ess := flags&NegotiateExtendedSessionSecurity != 0
	sbk, method := verifyResponses(ntHash, res.User, res.Domain, chal, lm, nt, s.cfg.AllowNTLMv1, ess)
	if method == MethodNone {
		return nil, res, smb.StatusLogonFailure
	}
	kx := sbk
	if method == MethodNTLM2Session {
		kx = KeyExchangeKeyV1(NegotiateExtendedSessionSecurity, sbk, [16]byte{}, chal, lm)
	}
	exported, ok := ExportedSessionKey(flags, kx, auth.EncryptedRandomSessionKey())
	if !ok {
		return nil, res, smb.StatusInvalidParameter
	}
	if method == MethodNTLMv2 {
		// MS-NLMP 3.2.5.1.2: a client that flags a MIC must have sent a
		// valid one. The flag sits inside the NTProofStr-protected blob, so
		// an attacker cannot strip it.
		if v, ok := auth.NTLMv2Info().Lookup(MsvAvFlags); ok && len(v) >= 4 &&
			binary.LittleEndian.Uint32(v)&AvFlagMICPresent != 0 {
			if !auth.MICPresent() {
				return nil, res, smb.StatusInvalidParameter
			}
			want := computeMIC(exported, s.negotiate, s.challenge, auth)
			if subtle.ConstantTimeCompare(want[:], auth.MIC()) != 1 {
				return nil, res, smb.StatusLogonFailure
			}
		}
	}
	var serverMIC []byte
	if s.spnego && len(clientMechListMIC) > 0 && flags&NegotiateSign != 0 {
		if _, ok := mechListMIC(flags, exported, true, s.mechTypesDER); ok {
			if !verifyMechListMIC(flags, exported, s.mechTypesDER, clientMechListMIC) {
				return nil, res, smb.StatusLogonFailure
			}
			m, _ := mechListMIC(flags, exported, false, s.mechTypesDER)
			serverMIC = m[:]
		}
	}
	res.State, res.SessionKey, res.Method = StateDone, exported, method
	return s.accepted(serverMIC), res, nil
}

// accepted is the final reply: accept-completed under SPNEGO (with our
// mechListMIC when the client sent one, RFC 4178 5), nothing when raw.
func (s *ServerSession) accepted(mic []byte) []byte {
	if !s.spnego {
		return nil
	}
	return AppendNegTokenRespMIC(nil, AcceptCompleted, false, nil, mic)
}

// GuestToken appends the reply for a caller that grants a guest session
// after Step failed with Result.Guest: accept-completed under SPNEGO, nothing
// for a raw exchange.
func (s *ServerSession) GuestToken(dst []byte) []byte {
	if !s.spnego {
		return dst
	}
	return AppendNegTokenResp(dst, AcceptCompleted, false, nil)
}

// FileTime converts t to a Windows FILETIME: 100 ns intervals since
// 1601-01-01 UTC (MS-DTYP 2.3.3), as MsvAvTimestamp carries it.
func FileTime(t time.Time) uint64 {
	const epochDelta = 116444736000000000 // 1601 to 1970 in 100 ns
	return uint64(t.UnixNano()/100) + epochDelta
}
