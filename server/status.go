package server

import (
	"sort"
	"time"

	"github.com/tinysmbd/tinysmbd/vfs"
)

// Status is a snapshot of what a Server is serving, for an operator (what
// Samba's smbstatus shows). It is a copy: nothing in it changes or keeps
// the server's state alive.
type Status struct {
	// Started is when New created the server.
	Started time.Time
	// Connections are the open client connections, oldest first.
	Connections []ConnStatus
}

// ConnStatus is one client connection: an SMB1 virtual circuit with its
// sessions, tree connects and open files (MS-CIFS 3.3.1.3).
type ConnStatus struct {
	// ID numbers the server's connections from 1, as its log lines do
	// ("conn=").
	ID uint64
	// RemoteAddr is the client's address and LocalAddr the server's, as
	// net.Addr.String gives them.
	RemoteAddr, LocalAddr string
	Framing               Framing
	// Dialect is the dialect NEGOTIATE chose ("NT LM 0.12", or a LAN
	// Manager dialect), "" before NEGOTIATE.
	Dialect string
	// Since is when the connection was accepted.
	Since time.Time
	// Sessions are the finished logons by UID; a logon still in its
	// NTLMSSP exchange is not listed.
	Sessions []SessionStatus
	// Trees are the tree connects by TID, IPC$ included.
	Trees []TreeStatus
	// Files are the open files and directories by FID. Named pipes on IPC$
	// are not listed.
	Files []FileStatus
}

// SessionStatus is one logged-on session (MS-CIFS 3.3.1.6).
type SessionStatus struct {
	UID uint16
	// User and Domain are the names the client logged on with; for a
	// guest, whatever it sent (often empty).
	User, Domain string
	// Guest is set for anonymous and guest logons, including unknown users
	// mapped to guest.
	Guest bool
	// Since is when the logon finished.
	Since time.Time
}

// TreeStatus is one tree connect (MS-CIFS 3.3.1.7).
type TreeStatus struct {
	TID uint16
	// UID is the session that connected the tree.
	UID uint16
	// Share is the share's configured name, or "IPC$".
	Share    string
	ReadOnly bool
	Since    time.Time
}

// FileStatus is one open file or directory (MS-CIFS 3.3.1.10).
type FileStatus struct {
	FID uint16
	// TID, UID and PID are the tree, session and client process that
	// opened it.
	TID, UID uint16
	PID      uint32
	// Share is the share's name, Path the file's path in it as the share's
	// Fs spells it ("/Dir/File.txt", even if the client asked for
	// "\dir\FILE.TXT").
	Share, Path string
	// Access is the access mask granted at open (MS-SMB 2.2.1.4.1, e.g.
	// 0x1 read data, 0x2 write data, 0x10000 DELETE).
	Access    uint32
	Directory bool
	// DeleteOnClose says the file goes when this handle closes.
	DeleteOnClose bool
	Opened        time.Time
	// Locks are the byte-range locks held through this open
	// (LOCKING_ANDX), empty when there are none or the server keeps no
	// lock state.
	Locks []LockStatus
}

// LockStatus is one byte-range lock (MS-CIFS 3.3.1.11).
type LockStatus struct {
	// PID is the client process that holds the lock.
	PID uint32
	// Offset and Length delimit the locked bytes.
	Offset, Length uint64
	// Exclusive is a write lock; otherwise the lock is shared (read).
	Exclusive bool
}

// Status returns a snapshot of the connections and what they hold. It waits
// for each connection to finish the request it is handling, so it is
// consistent per connection; it is meant for an operator's occasional look,
// not for a request path.
func (s *Server) Status() Status {
	st := Status{Started: s.started}
	for _, c := range s.connList() {
		st.Connections = append(st.Connections, c.status())
	}
	return st
}

// connList returns the open connections, oldest first, without holding
// s.mu afterwards: a connection's mu is taken while s.mu is free, so the
// two locks are never held in opposite orders.
func (s *Server) connList() []*conn {
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	// An insertion sort rather than slices.SortFunc: the generic sort's
	// dictionary holds the type of *conn, which makes the linker keep, for
	// every type a conn reaches (the Server, its shares, the name service),
	// each method an interface call elsewhere could name (8 KB of a
	// stripped linux/mipsle binary). Sorting the 1024 connections
	// MaxConnections allows by default is under a million steps, for an
	// operator's command.
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].id < cs[j-1].id; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	return cs
}

// status snapshots c between two messages.
func (c *conn) status() ConnStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs := ConnStatus{
		ID:         c.id,
		RemoteAddr: c.nc.RemoteAddr().String(),
		LocalAddr:  c.nc.LocalAddr().String(),
		Framing:    c.framing,
		Dialect:    c.dialect,
		Since:      c.since,
	}
	for _, s := range c.sessions {
		if !s.valid {
			continue
		}
		cs.Sessions = append(cs.Sessions, SessionStatus{
			UID: s.uid, User: s.user, Domain: s.domain, Guest: s.guest, Since: s.since,
		})
	}
	// sort.Slice rather than slices.SortFunc: the generic sort is compiled
	// again for every element type, and each of these three struct types
	// would cost about 17 KB of a stripped linux/mipsle binary. The keys
	// are unique, so stability does not matter.
	sort.Slice(cs.Sessions, func(i, j int) bool { return cs.Sessions[i].UID < cs.Sessions[j].UID })
	for _, t := range c.trees {
		cs.Trees = append(cs.Trees, TreeStatus{
			TID: t.tid, UID: t.uid, Share: t.shareName(), ReadOnly: t.readOnly, Since: t.since,
		})
	}
	sort.Slice(cs.Trees, func(i, j int) bool { return cs.Trees[i].TID < cs.Trees[j].TID })
	c.files.Range(func(fid uint16, f *vfs.File) bool {
		o := c.fileOwners[fid]
		fs := FileStatus{
			FID: fid, TID: o.tid, UID: o.uid, PID: o.pid,
			Path:          f.Path(),
			Access:        f.Access(),
			Directory:     f.IsDir(),
			DeleteOnClose: f.DeleteOnClose(),
			Opened:        o.opened,
			Locks:         c.fileLocks(fid),
		}
		if t := c.trees[o.tid]; t != nil {
			fs.Share = t.shareName()
		}
		cs.Files = append(cs.Files, fs)
		return true
	})
	sort.Slice(cs.Files, func(i, j int) bool { return cs.Files[i].FID < cs.Files[j].FID })
	return cs
}

// fileLocks lists the byte-range locks held through fid. The server keeps
// no byte-range lock state yet, so there are none; lock support fills this
// in.
func (c *conn) fileLocks(fid uint16) []LockStatus { return nil }

// shareName is the name the tree was connected to.
func (t *tree) shareName() string {
	if t.share == nil {
		return "IPC$"
	}
	return t.share.cfg.Name
}
