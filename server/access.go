package server

import (
	"errors"
	"fmt"
	"slices"
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
	groups []string        // "@" entries without the '@', as membership wants them
}

func (l *accessList) empty() bool { return len(l.users) == 0 && len(l.groups) == 0 }

// has reports whether the logged-on user of s is on the list. A guest is
// on no list, whatever name it gave: an unknown name becomes a guest, and
// a name that only folds to a listed one (Unicode case folding) must not
// borrow that account's rights.
func (l *accessList) has(s *session, m membership) bool {
	if s.guest {
		return false
	}
	if l.users[s.account()] {
		return true
	}
	for _, g := range l.groups {
		if m.member(s, g) {
			return true
		}
	}
	return false
}

// account is the session's user name as the account tables key it, upper
// case, worked out once per name (a re-authentication may change it) so
// that later checks do not allocate.
func (s *session) account() string {
	if s.acct == "" || s.acctOf != s.user {
		s.acct, s.acctOf = strings.ToUpper(s.user), s.user
	}
	return s.acct
}

// membership answers whether a session's user is in a group.
type membership interface {
	member(s *session, group string) bool
}

// groupTable is the membership of Config.Groups: members by upper-case
// group name, each an upper-case account name.
type groupTable map[string]map[string]bool

func (g groupTable) member(s *session, group string) bool { return g[group][s.account()] }

// authGroups is the membership a GroupAuthenticator keeps.
type authGroups struct{ a GroupAuthenticator }

func (g authGroups) member(s *session, group string) bool { return g.a.InGroup(s.user, group) }

// setAccess parses every share's lists against the accounts and groups and
// gives each share its read-only and writable views. A name no account or
// group has is an error: a typo in a list would otherwise lock a user out
// or, worse, leave a share open the operator meant to close. Plain names
// are checked only against the built-in accounts; an Authenticator of the
// program's own is asked at tree connect.
func (set *shareSet) setAccess(groups []Group, auth Authenticator) error {
	users, builtIn := auth.(userTable)
	if ga, ok := auth.(GroupAuthenticator); ok {
		if len(groups) > 0 {
			return errors.New("server: Config.Groups is set, but the Authenticator keeps the groups")
		}
		set.members = authGroups{ga}
	} else {
		t := make(groupTable, len(groups))
		for _, g := range groups {
			key := strings.ToUpper(g.Name)
			if key == "" {
				return errors.New("server: group with an empty name")
			}
			if _, dup := t[key]; dup {
				return fmt.Errorf("server: group %q defined twice", g.Name)
			}
			t[key] = make(map[string]bool, len(g.Members))
			for _, m := range g.Members {
				mk := strings.ToUpper(m)
				if _, ok := users[mk]; builtIn && !ok {
					return fmt.Errorf("server: group %q: no user %q", g.Name, m)
				}
				t[key][mk] = true
			}
		}
		set.members = t
	}
	set.groups = groups
	_, keyUpper := set.members.(groupTable)
	for _, st := range set.list {
		sh := &st.cfg
		if sh.GuestOK && len(sh.ValidUsers) > 0 {
			return fmt.Errorf("server: share %q: GuestOK with ValidUsers: a guest is on no list, so it could never connect", sh.Name)
		}
		for _, l := range []struct {
			field string
			names []string
			dst   *accessList
		}{
			{"ValidUsers", sh.ValidUsers, &st.valid},
			{"ReadUsers", sh.ReadUsers, &st.readers},
			{"WriteUsers", sh.WriteUsers, &st.writers},
		} {
			*l.dst = accessList{}
			for _, n := range l.names {
				if g, ok := strings.CutPrefix(n, "@"); ok {
					if keyUpper {
						g = strings.ToUpper(g)
						if _, ok := set.members.(groupTable)[g]; !ok {
							return fmt.Errorf("server: share %q: %s: no group %q", sh.Name, l.field, n[1:])
						}
					}
					if g == "" {
						return fmt.Errorf("server: share %q: %s: empty group name", sh.Name, l.field)
					}
					l.dst.groups = append(l.dst.groups, g)
					continue
				}
				key := strings.ToUpper(n)
				if key == "" {
					return fmt.Errorf("server: share %q: %s: empty user name", sh.Name, l.field)
				}
				if _, ok := users[key]; builtIn && !ok {
					return fmt.Errorf("server: share %q: %s: no user %q", sh.Name, l.field, n)
				}
				if l.dst.users == nil {
					l.dst.users = make(map[string]bool)
				}
				l.dst.users[key] = true
			}
		}
		st.rw, st.ro = st.fs.View(false), st.fs.View(true)
	}
	return nil
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
	case !st.valid.empty() && !st.valid.has(s, set.members):
		return rightNone
	case st.writers.has(s, set.members):
		return rightWrite
	case st.readers.has(s, set.members) || sh.ReadOnly:
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
		c.log.Info("request refused: the session may not use this share", "user", s.user, "share", t.share.cfg.Name, "uid", req.uid, "tid", req.tid)
		return t, nil, smb.StatusAccessDenied
	}
	return t, t.share.view(r), nil
}

// reviewTrees applies a reloaded set to c's trees: a tree on a share set no
// longer serves is disconnected, and so is one whose user's right the new
// lists reduce (a reader that was a writer, or one no longer let in); the
// files another session opened on a tree are closed when that session's
// right is reduced. It returns how many trees it disconnected.
func (c *conn) reviewTrees(set *shareSet) int {
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
		t.share = set.byName[strings.ToUpper(t.share.cfg.Name)]
		if r := set.right(t.share, t.sess); r < t.right {
			c.log.Info("tree disconnected: the user lost access by reload", "user", t.sess.user, "share", t.share.cfg.Name, "tid", tid, "now", r.String())
			c.disconnectTree(tid)
			n++
			continue
		}
		c.reviewFiles(set, t)
	}
	return n
}

// reviewFiles closes the files other sessions opened on tree t when the
// reloaded set reduced their right.
func (c *conn) reviewFiles(set *shareSet, t *tree) {
	var lost []uint16 // UIDs
	for fid, o := range c.fileOwners {
		s := c.sessions[o.uid]
		if o.tid != t.tid || o.uid == t.uid || s == nil {
			continue
		}
		f, err := c.files.Get(fid)
		if err != nil {
			continue
		}
		r := set.right(t.share, s)
		if (r == rightNone || r == rightRead && !f.Share().ReadOnly()) && !slices.Contains(lost, o.uid) {
			lost = append(lost, o.uid)
		}
	}
	for _, uid := range lost {
		c.log.Info("files closed: the user lost access by reload", "user", c.sessions[uid].user, "share", t.share.cfg.Name, "tid", t.tid, "uid", uid)
		c.closeFilesWhere(func(o fileOwner) bool { return o.tid == t.tid && o.uid == uid })
	}
}

func (r right) String() string {
	switch r {
	case rightRead:
		return "read"
	case rightWrite:
		return "write"
	}
	return "none"
}
