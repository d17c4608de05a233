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
//   - a new share can be connected at once;
//   - a tree whose user the new ValidUsers, ReadUsers, WriteUsers or
//     groups leave with less than it had (no access, or read where it
//     could write) is disconnected the same way, with a log line; the
//     files another session of the connection opened on a tree are
//     closed when that session's right shrank. Other changed lists apply
//     to the next tree connect.
//
// users replaces Config.Users; it must be empty when Config.Authenticator
// is set, which manages its own accounts. Config.Groups stay as they are
// (ReloadGroups replaces them too). Reload checks everything first
// and changes nothing when something is invalid. It is safe to call from
// any goroutine, including while Serve runs.
//
// Reload also has the name service list the interfaces again at once, as
// SIGHUP makes nmbd do, instead of at its next periodic rescan.
func (s *Server) Reload(users []User, shares []Share) error {
	return s.reload(users, nil, false, shares)
}

// ReloadGroups is Reload that also replaces Config.Groups.
func (s *Server) ReloadGroups(users []User, groups []Group, shares []Share) error {
	return s.reload(users, groups, true, shares)
}

func (s *Server) reload(users []User, groups []Group, newGroups bool, shares []Share) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()

	old := s.shares.Load()
	if !newGroups {
		groups = old.groups
	}
	set, err := newShareSet(shares, old)
	if err != nil {
		return err
	}
	auth := s.authenticator()
	if s.cfg.Authenticator == nil {
		t, err := newUserTable(users)
		if err != nil {
			return err
		}
		auth = t
	} else if len(users) > 0 {
		return errors.New("server: Reload with users, but Config.Authenticator manages the accounts")
	}
	if err := set.setAccess(groups, auth); err != nil {
		return err
	}

	if s.cfg.Authenticator == nil {
		s.auth.Store(&authHolder{auth})
	}
	s.shares.Store(set)
	// A connection accepted from here on sees only the new set; each one
	// already open is swept under its lock, so a tree connect it was
	// handling has either finished (and is swept) or loads the new set.
	dropped := 0
	for _, c := range s.connList() {
		dropped += c.reviewTrees(old, set)
	}
	s.rescanInterfaces()
	s.log.Info("reloaded", "shares", len(set.list), "trees_disconnected", dropped)
	return nil
}
