package server

import "errors"

// Reload replaces the accounts and the shares while the server runs, as
// SIGHUP does for smbd. Sessions stay logged on; a changed password applies
// to the next logon. The shares are compared with the ones served so far by
// name:
//
//   - a share with the same Fs (the same value, compared with ==) and the
//     same ReadOnly keeps its tree connects and open files; a new GuestOK
//     or Comment applies to the next tree connect and share listing;
//   - a share that is gone, or whose Fs or ReadOnly changed, has its tree
//     connects disconnected and their files closed (delete-on-close runs),
//     as TREE_DISCONNECT would; the client's next request on such a tree
//     gets STATUS_SMB_BAD_TID and a reconnect finds the new definition;
//   - a new share can be connected at once.
//
// users replaces Config.Users; it must be empty when Config.Authenticator
// is set, which manages its own accounts. Reload checks both lists first
// and changes nothing when either is invalid. It is safe to call from any
// goroutine, including while Serve runs.
//
// Reload also has the name service list the interfaces again at once, as
// SIGHUP makes nmbd do, instead of at its next periodic rescan.
func (s *Server) Reload(users []User, shares []Share) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()

	old := s.shares.Load()
	set, err := newShareSet(shares, old)
	if err != nil {
		return err
	}
	var auth Authenticator
	if s.cfg.Authenticator == nil {
		t, err := newUserTable(users)
		if err != nil {
			return err
		}
		auth = t
	} else if len(users) > 0 {
		return errors.New("server: Reload with users, but Config.Authenticator manages the accounts")
	}

	if auth != nil {
		s.auth.Store(&authHolder{auth})
	}
	s.shares.Store(set)
	// A connection accepted from here on sees only the new set; each one
	// already open is swept under its lock, so a tree connect it was
	// handling has either finished (and is swept) or loads the new set.
	dropped := 0
	for _, c := range s.connList() {
		dropped += c.dropTreesNotIn(set)
	}
	s.rescanInterfaces()
	s.log.Info("reloaded", "shares", len(set.list), "trees_disconnected", dropped)
	return nil
}

// dropTreesNotIn disconnects c's trees on shares set no longer serves and
// returns how many it disconnected.
func (c *conn) dropTreesNotIn(set *shareSet) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for tid, t := range c.trees {
		if t.share == nil || set.serves(t.share.fs) {
			continue
		}
		c.log.Info("tree disconnected: share removed or changed by reload", "share", t.share.cfg.Name, "tid", tid)
		c.disconnectTree(tid)
		n++
	}
	return n
}
