package server

import (
	"errors"
	"strings"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// right is what a session may do on a share: what Samba derives from
// "valid users", "read list", "write list" and "read only".
type right uint8

const (
	rightNone  right = iota // may not connect
	rightRead               // connects, changes nothing
	rightWrite              // connects and may change the share
)

// accessList is a parsed Share.ValidUsers, ReadUsers or WriteUsers.
type accessList struct {
	users  map[string]bool // upper-case account names
	groups []string        // "@" entries without the '@', as has wants them
}

func (l *accessList) empty() bool { return len(l.users) == 0 && len(l.groups) == 0 }

// has reports whether the logged-on user of s is on the list. A guest is
// on no list, whatever name it gave: an unknown name becomes a guest, and
// a name that only folds to a listed one (Unicode case folding) must not
// borrow that account's rights.
func (l *accessList) has(s *session, set *shareSet) bool {
	if s.guest {
		return false
	}
	if l.users[s.account()] {
		return true
	}
	for _, g := range l.groups {
		if set.ga != nil && set.ga.InGroup(s.user, g) || set.ga == nil && set.table[g][s.account()] {
			return true
		}
	}
	return false
}

// account is the session's user name as the account tables key it, upper
// case, worked out once per name (a re-authentication may change it) so
// that later checks do not allocate.
func (s *session) account() string {
	if s.acctOf != s.user || s.acct == "" {
		s.acct, s.acctOf = strings.ToUpper(s.user), s.user
	}
	return s.acct
}

// setAccess parses every share's lists and the groups. A name that is no
// account or group matches nobody; cmd/tinysmbd refuses such names with
// the line of the config file that has them.
func (set *shareSet) setAccess(groups []Group, auth Authenticator) error {
	set.groups = groups
	set.ga, _ = auth.(GroupAuthenticator)
	if set.ga != nil && len(groups) > 0 {
		return errors.New("server: Config.Groups is set, but the Authenticator keeps the groups")
	}
	set.table = make(map[string]map[string]bool, len(groups))
	for _, g := range groups {
		m := make(map[string]bool, len(g.Members))
		for _, u := range g.Members {
			m[strings.ToUpper(u)] = true
		}
		set.table[strings.ToUpper(g.Name)] = m
	}
	for _, st := range set.list {
		sh := &st.cfg
		if sh.GuestOK && len(sh.ValidUsers) > 0 {
			return errGuestWithList
		}
		st.valid = set.parseList(sh.ValidUsers)
		st.readers = set.parseList(sh.ReadUsers)
		st.writers = set.parseList(sh.WriteUsers)
	}
	return nil
}

// errGuestWithList refuses a share with GuestOK and ValidUsers: a guest is
// on no list, so it could never connect.
var errGuestWithList = errors.New("server: a share has GuestOK and ValidUsers")

// parseList turns a share's list into an accessList.
func (set *shareSet) parseList(names []string) accessList {
	l := accessList{users: make(map[string]bool, len(names))}
	for _, n := range names {
		if g, ok := strings.CutPrefix(n, "@"); ok {
			if set.ga == nil {
				g = strings.ToUpper(g)
			}
			l.groups = append(l.groups, g)
		} else {
			l.users[strings.ToUpper(n)] = true
		}
	}
	return l
}

// right is what session s may do on share st. An anonymous session counts
// as a guest here; tree connect refuses it every disk share before asking.
// WriteUsers wins over ReadUsers, as Samba's "write list" over its
// "read list", and both only narrow who ValidUsers lets in.
func (set *shareSet) right(st *shareState, s *session) right {
	sh := &st.cfg
	switch {
	case s.guest && !sh.GuestOK:
		return rightNone
	case !st.valid.empty() && !st.valid.has(s, set):
		return rightNone
	case st.writers.has(s, set):
		return rightWrite
	case st.readers.has(s, set) || sh.ReadOnly:
		return rightRead
	}
	return rightWrite
}

// view is the share as a session with right r sees it.
func (st *shareState) view(r right) *vfs.Share {
	if r == rightWrite {
		return st.rw
	}
	return st.ro
}

// diskTree returns the request's tree and the share as the request's
// session may use it. Path-based commands on IPC$ get
// STATUS_ACCESS_DENIED, as Samba answers them. Another session of the
// connection using the tree gets its own rights, not those of the session
// that connected it: Samba checks each request's user against the share
// too (its per-connection user cache). So does the tree's own session once
// a re-authentication made it another user.
func (c *conn) diskTree(req *request) (*tree, *vfs.Share, error) {
	t := c.trees[req.tid]
	if t == nil {
		return nil, nil, smb.StatusSMBBadTID
	}
	if t.share == nil {
		return t, nil, smb.StatusAccessDenied
	}
	if req.uid == t.uid && t.sess.user == t.user {
		return t, t.fs, nil
	}
	s := c.sessions[req.uid]
	r := c.srv.shares.Load().right(t.share, s)
	if r == rightNone || s.anonymous {
		return t, nil, smb.StatusAccessDenied
	}
	return t, t.share.view(r), nil
}

// reviewTrees applies a reloaded set to c's trees: a tree on a share set no
// longer serves is disconnected, and so is one whose user's right the new
// lists reduce (a reader that was a writer, or one no longer let in); the
// files another session opened on a tree are closed when that session's
// right shrank from old to set. It returns how many trees it disconnected.
func (c *conn) reviewTrees(old, set *shareSet) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for tid, t := range c.trees {
		if t.share == nil {
			continue
		}
		if !set.serves(t.share.fs) {
			c.log.Info("tree disconnected: share removed or changed by reload", "share", t.share.cfg.Name, "tid", tid)
			c.disconnectTree(tid)
			n++
			continue
		}
		was := t.share
		t.share = set.byName[strings.ToUpper(was.cfg.Name)]
		if set.right(t.share, t.sess) < t.right {
			c.log.Info("tree disconnected: the user lost access by reload", "user", t.sess.user, "share", was.cfg.Name)
			c.disconnectTree(tid)
			n++
			continue
		}
		c.closeFilesWhere(func(o fileOwner) bool {
			s := c.sessions[o.uid]
			return o.tid == t.tid && o.uid != t.uid && s != nil && set.right(t.share, s) < old.right(was, s)
		})
	}
	return n
}
