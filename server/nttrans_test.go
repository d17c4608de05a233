//go:build !tinysmbd_nocore

package server_test

// Tests of NT_TRANSACT and TRANS2_CREATE_DIRECTORY over a real connection, with requests built byte by byte from MS-CIFS 2.2.4.

import (
	"bytes"
	"testing"

	"github.com/spf13/afero"
)

const (
	cmdTrans2       = 0x32
	cmdNTTransact   = 0xA0
	statusNotImpl   = 0xC0000002
	statusNotSupp   = 0xC00000BB
	statusBadHandle = 0xC0000008
	statusEAsNotSup = 0xC000004F
	statusPathNF    = 0xC000003A
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

// trans2 builds the words and data of a TRANSACTION2 primary with one setup
// word, its parameters at a 4-byte aligned offset (MS-CIFS 2.2.4.46.1).
func trans2(sub uint16, params, data []byte) (words, d []byte) {
	const wc = 15
	off := 32 + 1 + 2*wc + 2
	pad := (4 - off%4) % 4
	pOff := off + pad
	dOff := pOff + len(params)
	w := le16(uint16(len(params)), uint16(len(data)), 64, 1024, 0, 0)
	w = le32(w, 0)
	w = append(w, le16(0, uint16(len(params)), uint16(pOff), uint16(len(data)), uint16(dOff))...)
	w = append(w, 1, 0)
	w = append(w, le16(sub)...)
	d = append(make([]byte, pad), params...)
	return w, append(d, data...)
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
	if r := cc.call(cmdNTTransact, clientFlags2, w, d); r.status != statusSuccess {
		t.Errorf("FSCTL_SET_SPARSE: %v", r)
	}
	w, d = ntTransact(2, setup(0x000900C4, fid+1, 1))
	if r := cc.call(cmdNTTransact, clientFlags2, w, d); r.status != statusBadHandle {
		t.Errorf("FSCTL_SET_SPARSE on a bad FID: %v", r)
	}
	w, d = ntTransact(2, setup(0x00090078, fid, 1)) // FSCTL_IS_VOLUME_DIRTY
	if r := cc.call(cmdNTTransact, clientFlags2, w, d); r.status != statusNotSupp {
		t.Errorf("other FSCTL: %v", r)
	}
	w, d = ntTransact(2, setup(0x000900C4, fid, 0)) // a device IOCTL
	if r := cc.call(cmdNTTransact, clientFlags2, w, d); r.status != statusNotSupp {
		t.Errorf("device IOCTL: %v", r)
	}
	w, d = ntTransact(7, nil) // QUERY_QUOTA
	if r := cc.call(cmdNTTransact, clientFlags2, w, d); r.status != statusNotImpl {
		t.Errorf("QUERY_QUOTA: %v", r)
	}
}

func TestTrans2CreateDirectory(t *testing.T) {
	fs := afero.NewMemMapFs()
	cc := newCoreClient(t, fs)
	mkdir := func(name string, eas []byte) smbResponse {
		w, d := trans2(0x0D, append(le32(nil, 0), name+"\x00"...), eas)
		return cc.call(cmdTrans2, coreFlags2|flags2LongNames, w, d)
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
	if r := mkdir(`\NO\SUCH`, le32(nil, 4)); r.status != statusPathNF {
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
	r := cc.call(cmdTrans2, coreFlags2|flags2LongNames, w, d)
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
