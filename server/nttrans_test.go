//go:build !tinysmbd_nocore

package server_test

// Tests of NT_TRANSACT and TRANS2_CREATE_DIRECTORY over a real connection, with requests built byte by byte from MS-CIFS 2.2.4.

import (
	"bytes"
	"testing"

	"github.com/spf13/afero"
)

const (
	statusNotImpl   = 0xC0000002
	statusEAsNotSup = 0xC000004F
)

// ntTransact builds the words and data of an NT_TRANSACT primary carrying
// everything in one message (MS-CIFS 2.2.4.62.1), without parameters or
// data.
func ntTransact(function uint16, setup []byte) (words, data []byte) {
	w := []byte{0, 0, 0}        // MaxSetupCount, Reserved1
	w = le32(le32(w, 0), 0)     // TotalParameterCount, TotalDataCount
	w = le32(le32(w, 64), 1024) // MaxParameterCount, MaxDataCount
	for range 4 {               // ParameterCount/Offset, DataCount/Offset
		w = le32(w, 0)
	}
	w = append(w, byte(len(setup)/2))
	w = append(w, le16(function)...)
	return append(w, setup...), nil
}

func TestNTTransactIoctl(t *testing.T) {
	cc := newCoreClient(t, afero.NewMemMapFs())
	fid := cc.createNew(`\SPARSE.DAT`)
	setup := func(code uint32, fid uint16, fsctl byte) []byte {
		return append(append(le32(nil, code), le16(fid)...), fsctl, 0)
	}
	// FSCTL_SET_SPARSE, which smbtorture's raw.write sends before
	// writing far beyond the end of file.
	w, d := ntTransact(2, setup(0x000900C4, fid, 1))
	if r := cc.call(hCmdNTTransact, clientFlags2, w, d); r.status != statusSuccess {
		t.Errorf("FSCTL_SET_SPARSE: %v", r)
	}
	w, d = ntTransact(2, setup(0x000900C4, fid+1, 1))
	if r := cc.call(hCmdNTTransact, clientFlags2, w, d); r.status != statusInvalidHandle {
		t.Errorf("FSCTL_SET_SPARSE on a bad FID: %v", r)
	}
	w, d = ntTransact(2, setup(0x00090078, fid, 1)) // FSCTL_IS_VOLUME_DIRTY
	if r := cc.call(hCmdNTTransact, clientFlags2, w, d); r.status != statusNotSupp {
		t.Errorf("other FSCTL: %v", r)
	}
	w, d = ntTransact(2, setup(0x000900C4, fid, 0)) // a device IOCTL
	if r := cc.call(hCmdNTTransact, clientFlags2, w, d); r.status != statusNotSupp {
		t.Errorf("device IOCTL: %v", r)
	}
	w, d = ntTransact(7, nil) // QUERY_QUOTA
	if r := cc.call(hCmdNTTransact, clientFlags2, w, d); r.status != statusNotImpl {
		t.Errorf("QUERY_QUOTA: %v", r)
	}
}

func TestTrans2CreateDirectory(t *testing.T) {
	fs := afero.NewMemMapFs()
	cc := newCoreClient(t, fs)
	mkdir := func(name string, eas []byte) smbResponse {
		w, d := trans2(0x0D, append(le32(nil, 0), name+"\x00"...), eas)
		return cc.call(hCmdTransaction2, coreFlags2|flags2LongNames, w, d)
	}
	if r := mkdir(`\NEWDIR`, nil); r.status != statusSuccess {
		t.Fatalf("TRANS2_CREATE_DIRECTORY: %v", r)
	}
	if fi, err := fs.Stat("/NEWDIR"); err != nil || !fi.IsDir() {
		t.Fatalf("directory not created: %v", err)
	}
	if r := mkdir(`\NEWDIR`, nil); r.status != statusNameCollision {
		t.Errorf("existing: %v", r)
	}
	if r := mkdir(`\NO\SUCH`, le32(nil, 4)); r.status != statusPathNotFound {
		t.Errorf("missing parent: %v", r)
	}
	// An FEA list with one entry: flags, name length, value length, name.
	ea := append(le32(nil, 4+4+3+1), 0, 2, 1, 0)
	ea = append(ea, "EA\x00x"...)
	if r := mkdir(`\EADIR`, ea); r.status != statusSuccess {
		t.Fatalf("with EAs: %v", r)
	}
	// QUERY_PATH_INFORMATION SMB_INFO_QUERY_ALL_EAS reads the list back,
	// the name upper-cased as Windows stores it.
	w, d := trans2(0x05, append(le16(4, 0, 0), `\EADIR`+"\x00"...), nil)
	r := cc.call(hCmdTransaction2, coreFlags2|flags2LongNames, w, d)
	if r.status != statusSuccess {
		t.Fatalf("QUERY_ALL_EAS: %v", r)
	}
	if _, data := transData(t, r); !bytes.Equal(data, ea) {
		t.Errorf("QUERY_ALL_EAS data % x, want % x", data, ea)
	}
	// A bad name (':') refuses the whole list before creating anything.
	bad := append(le32(nil, 4+4+3+1), 0, 2, 1, 0)
	bad = append(bad, "E:\x00x"...)
	if r := mkdir(`\BADDIR`, bad); r.status != 0x80000013 {
		t.Errorf("bad EA name: %v", r)
	}
	if _, err := fs.Stat("/BADDIR"); err == nil {
		t.Error("directory created although its EAs were refused")
	}
}
