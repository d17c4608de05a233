//go:build !tinysmbd_nocore

package server_test

// Tests of TRANS2_SET_FILE_INFORMATION and TRANS2_SET_PATH_INFORMATION
// where smbtorture raw.sfileinfo looks (server/trans2.go), with requests
// built byte by byte from MS-CIFS 2.2.6.9 and 2.2.6.7.

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/spf13/afero"
)

const (
	statusInvalidLevel     = 0xC0000148
	statusSharingViolation = 0xC0000043
	levelSetEOFInfo        = 0x0104     // SMB_SET_FILE_END_OF_FILE_INFO
	levelEOFPassthrough    = 1000 + 20  // FileEndOfFileInformation
	levelRenamePassthrough = 1000 + 10  // FileRenameInformation
	accessAppendData       = 0x00000004 // FILE_APPEND_DATA
	accessWriteData        = 0x00000002 // FILE_WRITE_DATA
	accessAll              = 0x001F01FF // FILE_ALL_ACCESS
)

// setInfoReplyWords are the words of a successful SET reply: TotalParameterCount
// 2, TotalDataCount 0, Reserved, ParameterCount 2, ParameterOffset 56,
// ParameterDisplacement 0, DataCount 0, DataOffset 58, DataDisplacement 0,
// SetupCount 0, Reserved.
var setInfoReplyWords = le16(2, 0, 0, 2, 56, 0, 0, 58, 0, 0)

// setFileInfo sends TRANS2_SET_FILE_INFORMATION (MS-CIFS 2.2.6.9.1):
// FID, InformationLevel, Reserved.
func (s *hostileSession) setFileInfo(t *testing.T, fid, level uint16, data []byte, status uint32) smbResponse {
	t.Helper()
	w, d := trans2(0x08, le16(fid, level, 0), data)
	return s.call(t, hCmdTransaction2, s.uid, s.tid, w, d, status)
}

// setPathInfo sends TRANS2_SET_PATH_INFORMATION (MS-CIFS 2.2.6.7.1):
// InformationLevel, Reserved (4 bytes), the Unicode FileName.
func (s *hostileSession) setPathInfo(t *testing.T, name string, level uint16, data []byte, status uint32) smbResponse {
	t.Helper()
	w, d := trans2(0x06, append(le16(level, 0, 0), utf16z(name)...), data)
	return s.call(t, hCmdTransaction2, s.uid, s.tid, w, d, status)
}

// wantSetInfoReply checks a successful SET reply byte for byte (MS-CIFS
// 2.2.4.46.2): one pad byte, then two parameter bytes (EaErrorOffset 0)
// at offset 56, and no data.
func wantSetInfoReply(t *testing.T, r smbResponse) {
	t.Helper()
	if !bytes.Equal(r.words, setInfoReplyWords) || !bytes.Equal(r.data, []byte{0, 0, 0}) {
		t.Fatalf("SET reply words % x data % x", r.words, r.data)
	}
}

func fileSize(t *testing.T, fs afero.Fs, name string) int64 {
	t.Helper()
	fi, err := fs.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestSetEndOfFileAccess: through a handle, FILE_APPEND_DATA alone may not
// set the end of file, FILE_WRITE_DATA may (raw.sfileinfo
// end-of-file-access).
func TestSetEndOfFileAccess(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	eof := binary.LittleEndian.AppendUint64(nil, 100)
	fid := s.ntCreate(t, `\victim.txt`, accessAppendData, 1, statusSuccess)
	s.setFileInfo(t, fid, levelSetEOFInfo, eof, statusAccessDenied)
	s.setFileInfo(t, fid, levelEOFPassthrough, eof, statusAccessDenied)
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	if n := fileSize(t, hs.fs, "/victim.txt"); n != int64(len(hostileFileText)) {
		t.Fatalf("size %d after refused sets", n)
	}
	fid = s.ntCreate(t, `\victim.txt`, accessWriteData, 1, statusSuccess)
	wantSetInfoReply(t, s.setFileInfo(t, fid, levelSetEOFInfo, eof, statusSuccess))
	if n := fileSize(t, hs.fs, "/victim.txt"); n != 100 {
		t.Fatalf("size %d, want 100", n)
	}
}

// TestSetEndOfFileByPath: by path the CIFS level is INVALID_LEVEL once the
// open succeeds, a sharing violation before that; the pass-through level
// sets the size (raw.sfileinfo end-of-file).
func TestSetEndOfFileByPath(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	eof := binary.LittleEndian.AppendUint64(nil, 200)
	// Opened by another client sharing nothing: ShareAccess is word
	// bytes 31..34 of NT_CREATE_ANDX.
	w, d := ntCreateBlock(`\victim.txt`, accessAll, 1, 0)
	copy(w[31:], le32(nil, 0))
	other := hs.login(t)
	r := other.call(t, benchCmdNTCreate, other.uid, other.tid, w, d, statusSuccess)
	fid := binary.LittleEndian.Uint16(r.words[5:])
	s.setPathInfo(t, `\victim.txt`, levelSetEOFInfo, eof, statusSharingViolation)
	s.setPathInfo(t, `\victim.txt`, levelEOFPassthrough, eof, statusSharingViolation)
	other.call(t, hCmdClose, other.uid, other.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)

	s.setPathInfo(t, `\victim.txt`, levelSetEOFInfo, eof, statusInvalidLevel)
	if n := fileSize(t, hs.fs, "/victim.txt"); n != int64(len(hostileFileText)) {
		t.Fatalf("size %d after INVALID_LEVEL", n)
	}
	wantSetInfoReply(t, s.setPathInfo(t, `\victim.txt`, levelEOFPassthrough, eof, statusSuccess))
	if n := fileSize(t, hs.fs, "/victim.txt"); n != 200 {
		t.Fatalf("size %d, want 200", n)
	}
}

// TestSetRenameInformation: the SMB1 rename level renames within the
// directory only: a path is NOT_SUPPORTED, a RootDirectory
// INVALID_PARAMETER (raw.sfileinfo rename).
func TestSetRenameInformation(t *testing.T) {
	hs := newHostileServer(t)
	s := hs.login(t)
	rename := func(replace byte, root uint32, name string) []byte {
		n := utf16z(name)
		n = n[:len(n)-2]
		b := le32(le32([]byte{replace, 0, 0, 0}, root), uint32(len(n)))
		return append(b, n...)
	}
	fid := s.ntCreate(t, `\victim.txt`, accessAll, 1, statusSuccess)
	s.setFileInfo(t, fid, levelRenamePassthrough, rename(1, 0, `\renamed.txt`), statusNotSupp)
	s.setFileInfo(t, fid, levelRenamePassthrough, rename(0, uint32(fid), `renamed.txt`), statusInvalidParameter)
	if _, err := hs.fs.Stat("/victim.txt"); err != nil {
		t.Fatalf("refused renames moved the file: %v", err)
	}
	wantSetInfoReply(t, s.setFileInfo(t, fid, levelRenamePassthrough, rename(0, 0, `renamed.txt`), statusSuccess))
	if _, err := hs.fs.Stat("/renamed.txt"); err != nil {
		t.Fatalf("bare-name rename: %v", err)
	}
}
