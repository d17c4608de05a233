//go:build !tinysmbd_nocore

package server_test

import (
	"testing"

	"github.com/spf13/afero"
)

const (
	statusNoSuchFile  = 0xC000000F
	searchAttrHidden  = 0x02
	searchAttrHidSyst = 0x06
)

// TestDeleteSearchAttributes checks DELETE leaves hidden files alone unless
// SearchAttributes include HIDDEN (MS-CIFS 2.2.4.7.1), as smbtorture's
// raw.unlink expects: a dot file is hidden here, as in Samba.
func TestDeleteSearchAttributes(t *testing.T) {
	fs := afero.NewMemMapFs()
	cc := newCoreClient(t, fs)
	for _, n := range []string{"/.hid", "/.hid2", "/plain"} {
		if err := afero.WriteFile(fs, n, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cc.fails(cmdDelete, statusNoSuchFile, le16(0), path(`\.hid`))
	cc.fails(cmdDelete, statusNoSuchFile, le16(0), path(`\.h*`))
	if ok, _ := afero.Exists(fs, "/.hid"); !ok {
		t.Fatal("hidden file deleted without HIDDEN in SearchAttributes")
	}
	cc.ok(cmdDelete, 0, le16(searchAttrHidden), path(`\.hid`))
	cc.ok(cmdDelete, 0, le16(searchAttrHidSyst), path(`\.h*`))
	cc.ok(cmdDelete, 0, le16(0), path(`\plain`))
	for _, n := range []string{"/.hid", "/.hid2", "/plain"} {
		if ok, _ := afero.Exists(fs, n); ok {
			t.Errorf("%s not deleted", n)
		}
	}
}
