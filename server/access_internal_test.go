package server

import (
	"testing"

	"github.com/spf13/afero"
)

// TestDiskTreeAllocs: the rights check every path command makes costs no
// allocation, for the session that connected the tree and for another
// session of the connection, whose right is worked out per request from
// the lists and a group.
func TestDiskTreeAllocs(t *testing.T) {
	set, err := newShareSet([]Share{{Name: "fam", Fs: afero.NewMemMapFs(), ValidUsers: []string{"@family"}, ReadUsers: []string{"bob"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	users, err := newUserTable([]User{{Name: "alice", Password: "a"}, {Name: "bob", Password: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.setAccess([]Group{{Name: "family", Members: []string{"alice", "bob"}}}, users); err != nil {
		t.Fatal(err)
	}
	srv := &Server{}
	srv.shares.Store(set)
	alice := &session{uid: 1, user: "alice", valid: true}
	bob := &session{uid: 2, user: "Bob", valid: true}
	st := set.byName["FAM"]
	c := &conn{srv: srv,
		sessions: map[uint16]*session{1: alice, 2: bob},
		trees:    map[uint16]*tree{1: {tid: 1, uid: 1, share: st, sess: alice, user: "alice", right: rightWrite, fs: st.rw}},
	}
	for _, tc := range []struct {
		uid      uint16
		readOnly bool
	}{{1, false}, {2, true}} {
		req := &request{uid: tc.uid, tid: 1}
		n := testing.AllocsPerRun(100, func() {
			if _, fs, err := c.diskTree(req); err != nil || fs.ReadOnly() != tc.readOnly {
				t.Fatalf("uid %d: read-only %v, %v", tc.uid, fs.ReadOnly(), err)
			}
		})
		if n != 0 {
			t.Errorf("uid %d: %v allocations per diskTree", tc.uid, n)
		}
	}
}
