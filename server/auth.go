package server

import (
	"errors"
	"strings"

	"github.com/tinysmbd/tinysmbd/smb/ntlm"
)

// Authenticator supplies the one secret NTLM verification needs: a user's NT
// hash. The server never sees or stores a password it does not have to;
// NTLMv2, NTLMv1 and the NTLMSSP exchange are all checked against the hash.
//
// Config.Users is served by a built-in Authenticator. Firmware that keeps its
// own account store sets Config.Authenticator instead. Connections call
// NTHash concurrently, once per logon attempt, so it must be safe for
// concurrent use; a change in the store applies to the next logon.
type Authenticator interface {
	// NTHash returns the NT hash of user (MS-NLMP 3.3.1 NTOWFv1: MD4 of
	// the UTF-16LE password) and true, or false when there is no such
	// user. user is the name as the client spelled it; Windows compares
	// account names case-insensitively, and clients expect it.
	NTHash(user string) (hash [16]byte, ok bool)
}

// GroupAuthenticator is an Authenticator that also keeps groups, for the
// "@group" entries of Share.ValidUsers, ReadUsers and WriteUsers; with it,
// Config.Groups must be empty. The server asks InGroup at each tree
// connect, so a change in the store applies to the next one, and at
// Reload, which closes the trees of users that lost access.
type GroupAuthenticator interface {
	Authenticator
	// InGroup reports whether the logged-on user (the name as the client
	// spelled it, compared case-insensitively as NTHash does) is a member
	// of group (the name after '@' in the list). It must be safe for
	// concurrent use.
	InGroup(user, group string) bool
}

// lmAuthenticator is what the built-in user table adds to Authenticator:
// the LM hash of accounts configured with a clear-text password, which the
// LM challenge response (NTLMv1 only) is checked against. It is unexported
// on purpose: LM is a legacy of the built-in table, not part of the
// contract a firmware store must fulfil.
type lmAuthenticator interface {
	lmHash(user string) (hash [16]byte, ok bool)
}

// userTable is the Authenticator built from Config.Users. It is immutable:
// Reload installs a new one.
type userTable map[string]userEntry // by upper-case name

type userEntry struct {
	ntHash [16]byte
	lmHash [16]byte
	hasLM  bool
}

func newUserTable(users []User) (userTable, error) {
	t := make(userTable, len(users))
	for _, u := range users {
		key := strings.ToUpper(u.Name)
		if key == "" {
			return nil, errors.New("server: user with an empty name")
		}
		e := userEntry{ntHash: u.NTHash}
		if u.Password != "" {
			e.ntHash = ntlm.NTHash(u.Password)
			e.lmHash = ntlm.LMHash(u.Password)
			e.hasLM = true
		}
		t[key] = e
	}
	return t, nil
}

func (t userTable) NTHash(user string) ([16]byte, bool) {
	e, ok := t[strings.ToUpper(user)]
	return e.ntHash, ok
}

func (t userTable) lmHash(user string) ([16]byte, bool) {
	e, ok := t[strings.ToUpper(user)]
	return e.lmHash, ok && e.hasLM
}

// authenticator returns the accounts logons are checked against now.
func (s *Server) authenticator() Authenticator {
	return s.auth.Load().a
}

// authHolder lets an interface value sit behind an atomic.Pointer.
type authHolder struct{ a Authenticator }
