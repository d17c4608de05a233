//go:build !tinysmbd_nocore

package server_test

// The share boundary: names that try to leave the share, name things a
// share does not hold, or change a read-only share are answered, byte for
// byte, with the status Samba 4.17 gives for the same request (checked
// with impacket and smbclient against Samba's smbd), and nothing outside
// the share is read or changed.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

const (
	bCmdDeleteDirectory = 0x01
	bCmdRename          = 0x07

	statusNameInvalid         = 0xC0000033
	statusPathSyntaxBad       = 0xC000003B
	statusMediaWriteProtected = 0xC00000A2

	accessRead = 0x00120089 // FILE_GENERIC_READ

	dispOpen        = 1 // FILE_OPEN
	dispCreate      = 2 // FILE_CREATE
	dispOpenIf      = 3 // FILE_OPEN_IF
	dispOverwriteIf = 5 // FILE_OVERWRITE_IF

	outsideText = "outside the share"
	insideText  = "inside the share"
)

// boundaryTree makes parent/share holding file.txt, CON (a plain file, as
// on any Unix server), sub/ and d/secret (a decoy), with parent/secret and
// parent/d/secret beside it and links out of the share: evil -> parent,
// pw -> parent/secret, planted -> parent/planted (dangling).
func boundaryTree(t *testing.T) (parent, dir string) {
	t.Helper()
	parent = t.TempDir()
	dir = filepath.Join(parent, "share")
	for _, d := range []string{dir, filepath.Join(dir, "sub"), filepath.Join(dir, "d"), filepath.Join(parent, "d")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(parent, "secret"):    outsideText,
		filepath.Join(parent, "d/secret"):  outsideText,
		filepath.Join(dir, "file.txt"):     insideText,
		filepath.Join(dir, "CON"):          "con",
		filepath.Join(dir, "d", "secret"):  insideText,
		filepath.Join(dir, "sub", "inner"): insideText,
	}
	for p, s := range files {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"evil": parent, "pw": filepath.Join(parent, "secret"), "planted": "../planted",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	return parent, dir
}

// boundaryServer serves dir as "share" (RootFs), "base" (a bare afero
// BasePathFs over the OS, which New confines by host path), "ro" (RootFs,
// read-only), "rofs" (afero.ReadOnlyFs over RootFs) and the afero
// wrappers over a BasePathFs over the OS: "robase" (ReadOnlyFs) and "cow"
// (CopyOnWriteFs with a memory layer), which New confines by walking
// their names, and "regexp" (RegexpFs) and "cache" (CacheOnReadFs with a
// memory layer), which offer no Lstat and are served through vfs.Confine.
func boundaryServer(t *testing.T, dir string) *hostileServer {
	t.Helper()
	rootFs := func() afero.Fs {
		fsys, err := vfs.NewRootFs(dir)
		if err != nil {
			t.Fatal(err)
		}
		return fsys
	}
	base := func() afero.Fs { return afero.NewBasePathFs(afero.NewOsFs(), dir) }
	confine := func(fsys afero.Fs) afero.Fs {
		c, err := vfs.Confine(fsys, dir)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cfg := segConfig()
	cfg.Shares = []server.Share{
		{Name: "share", Fs: rootFs()},
		{Name: "base", Fs: base()},
		{Name: "ro", Fs: rootFs(), ReadOnly: true},
		{Name: "rofs", Fs: afero.NewReadOnlyFs(rootFs())},
		{Name: "robase", Fs: afero.NewReadOnlyFs(base())},
		{Name: "cow", Fs: afero.NewCopyOnWriteFs(base(), afero.NewMemMapFs())},
		{Name: "regexp", Fs: confine(afero.NewRegexpFs(base(), regexp.MustCompile(`.`)))},
		{Name: "cache", Fs: confine(afero.NewCacheOnReadFs(base(), afero.NewMemMapFs(), 0))},
	}
	cfg.MaxMessageSize = hostileMaxMessage
	l, _ := listenDirect(t)
	startServer(t, cfg, served{l, server.FramingNetBT})
	return &hostileServer{addr: l.Addr().String()}
}

// connect adds a tree for share to the session and makes it current.
func (s *hostileSession) connect(t *testing.T, share string) {
	t.Helper()
	data := append([]byte{0}, utf16z(`\\TINYSMBD\`+strings.ToUpper(share))...)
	data = append(data, "?????\x00"...)
	s.mid++
	hostileWrite(t, s.c, smbRequest(cmdTreeConnect, s.mid, s.uid, 0, clientFlags2, []byte{0xFF, 0, 0, 0, 0, 0, 1, 0}, data))
	s.tid = expectReply(t, s.c, cmdTreeConnect, s.mid).tid
}

// ntCreate sends NT_CREATE_ANDX for name and checks the status; on success
// it returns the FID (MS-CIFS 2.2.4.64.2: after AndX and OplockLevel).
func (s *hostileSession) ntCreate(t *testing.T, name string, access, disp uint32, status uint32) uint16 {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, ntCreateRequest(s.mid, s.uid, s.tid, name, access, disp, 0))
	r := expectStatus(t, s.c, benchCmdNTCreate, s.mid, status)
	if status != statusSuccess {
		return 0
	}
	return binary.LittleEndian.Uint16(r.words[5:])
}

// readAll reads up to 64 bytes of fid and closes it.
func (s *hostileSession) readClose(t *testing.T, fid uint16) []byte {
	t.Helper()
	r := s.call(t, hCmdReadAndX, s.uid, s.tid, readAndXWords(fid, 64), nil, statusSuccess)
	s.call(t, hCmdClose, s.uid, s.tid, append(le16(fid), 0, 0, 0, 0), nil, statusSuccess)
	// MS-CIFS 2.2.4.42.2: DataLength is word 5, DataOffset word 6.
	n, off := binary.LittleEndian.Uint16(r.words[10:]), int(binary.LittleEndian.Uint16(r.words[12:]))
	data := r.data[off-(32+1+len(r.words)+2):]
	return data[:n]
}

// oem sends a core command with OEM strings and checks the status.
func (s *hostileSession) oem(t *testing.T, cmd byte, words, data []byte, status uint32) {
	t.Helper()
	s.mid++
	hostileWrite(t, s.c, smbRequest(cmd, s.mid, s.uid, s.tid, clientFlags2&^flags2Unicode, words, data))
	expectStatus(t, s.c, cmd, s.mid, status)
}

// boundaryShares are boundaryServer's shares that must keep every name
// inside: whether they are read-only, and whether TestBoundaryNames opens
// for reading only. (afero's CopyOnWriteFs and CacheOnReadFs copy a file
// opened for writing into their layer with mode 0, which a second open
// for writing finds read-only.)
var boundaryShares = []struct {
	name      string
	ro, reads bool
}{
	{"share", false, false}, {"base", false, false}, {"rofs", true, true}, {"robase", true, true},
	{"cow", false, true}, {"regexp", false, false}, {"cache", false, true},
}

// TestBoundaryNames: every way of naming something outside the share, or
// something a share cannot hold, gets Samba's status on a RootFs share and
// on every confined afero wrapper alike (opens only, on a read-only one).
func TestBoundaryNames(t *testing.T) {
	parent, dir := boundaryTree(t)
	hs := boundaryServer(t, dir)
	long := strings.Repeat(strings.Repeat("b", 250)+`\`, 40) + "x"
	cases := []struct {
		name   string
		disp   uint32
		status uint32
	}{
		{`..\..\etc\passwd`, dispOpen, statusPathSyntaxBad},
		{`\..\secret`, dispOpen, statusPathSyntaxBad},
		{`sub\..\..\secret`, dispOpen, statusPathSyntaxBad},
		{`sub\..\file.txt`, dispOpen, statusSuccess},
		// A leading separator is the share root, never the host's.
		{`/etc/passwd`, dispOpen, statusPathNotFound},
		{`\secret`, dispOpen, statusNameNotFound},
		// Drive letters, \\?\ prefixes and streams: ':' and '?' cannot
		// be in a name (MS-FSCC 2.1.5.2), and vfs has no streams.
		{`C:\Windows\win.ini`, dispOpen, statusNameInvalid},
		{`C:file.txt`, dispOpen, statusNameInvalid},
		{`\\?\C:\file.txt`, dispOpen, statusNameInvalid},
		{`\\?\file.txt`, dispOpen, statusNameInvalid},
		{`\\.\file.txt`, dispOpen, statusPathNotFound},
		{`file.txt:stream`, dispOpen, statusNameInvalid},
		{`file.txt::$DATA`, dispOpen, statusNameInvalid},
		{`new.txt:stream`, dispOpenIf, statusNameInvalid},
		// The name ends at a NUL, as in Samba: "file\0.txt" is "file".
		{"file\x00.txt", dispOpen, statusNameNotFound},
		{"file.txt\x00\\..\\..\\secret", dispOpen, statusSuccess},
		// DOS device names are plain names on a Unix server, as in
		// Samba: CON here is an ordinary file, NUL and COM1 do not exist.
		{`CON`, dispOpen, statusSuccess},
		{`NUL`, dispOpen, statusNameNotFound},
		{`AUX`, dispOpen, statusNameNotFound},
		{`COM1`, dispOpen, statusNameNotFound},
		{`LPT1`, dispOpen, statusNameNotFound},
		{strings.Repeat("a", 255), dispOpen, statusNameNotFound},
		{strings.Repeat("a", 256), dispOpen, statusNameInvalid},
		{long, dispOpen, statusPathNotFound},
		{`.`, dispOpen, statusNameInvalid},
		{`sub\.\inner`, dispOpen, statusPathNotFound},
		// Symlinks out of the share are missing names (Samba 4.17,
		// wide links = no), whatever the disposition.
		{`evil`, dispOpen, statusNameNotFound},
		{`evil\secret`, dispOpen, statusPathNotFound},
		{`EVIL\secret`, dispOpen, statusPathNotFound},
		{`pw`, dispOpen, statusNameNotFound},
		{`pw`, dispOverwriteIf, statusNameNotFound},
		{`planted`, dispOpenIf, statusNameNotFound},
		{`planted`, dispCreate, statusNameNotFound},
		{`evil\planted`, dispOpenIf, statusPathNotFound},
	}
	for _, sh := range boundaryShares {
		t.Run(sh.name, func(t *testing.T) {
			s := hs.login(t)
			s.connect(t, sh.name)
			access := uint32(accessReadWrite)
			if sh.reads {
				access = accessRead
			}
			for _, tc := range cases {
				if sh.ro && tc.disp != dispOpen {
					continue
				}
				fid := s.ntCreate(t, tc.name, access, tc.disp, tc.status)
				if tc.status == statusSuccess {
					if got := s.readClose(t, fid); bytes.Contains(got, []byte(outsideText)) {
						t.Errorf("%q read %q", tc.name, got)
					}
				}
			}
			if !sh.ro {
				// Path commands through links out: missing, as for
				// opens.
				s.oem(t, bCmdCreateDirectory, nil, path(`evil\newdir`), statusPathNotFound)
				s.oem(t, cmdDelete, le16(0x16), path(`evil\secret`), statusPathNotFound)
				s.oem(t, bCmdRename, le16(0x16), append(path(`file.txt`), path(`evil\moved`)...), statusPathNotFound)
				s.oem(t, bCmdSetInformation, append(le16(0x01), make([]byte, 14)...), path(`pw`), statusNameNotFound)
			}
			hs.healthy(t)
		})
	}
	for _, name := range []string{"planted", "newdir", "moved"} {
		if _, err := os.Lstat(filepath.Join(parent, name)); err == nil {
			t.Errorf("%s was created outside the share", name)
		}
	}
	if b, err := os.ReadFile(filepath.Join(parent, "secret")); err != nil || string(b) != outsideText {
		t.Errorf("the secret outside changed: %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(parent, "secret")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the secret outside changed mode: %v", err)
	}
}

// TestBoundarySwappedSymlink races a directory against a symlink out of
// the share while a client opens a file below it: each open must give the
// file inside or a missing name, never the one outside (the
// CVE-2021-20316 race). RootFs resolves each component with openat; the
// confined BasePathFs and afero wrappers check the opened descriptor.
func TestBoundarySwappedSymlink(t *testing.T) {
	parent, dir := boundaryTree(t)
	hs := boundaryServer(t, dir)
	d := filepath.Join(dir, "d")
	moved := filepath.Join(dir, ".d-real")
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			// d is a directory, then a link to parent (which holds
			// d/secret... and secret), then a directory again.
			os.Rename(d, moved)
			os.Symlink(parent, d)
			os.Remove(d)
			os.Rename(moved, d)
		}
	}()
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()
	// "cache" is left out: afero.CacheOnReadFs copies a file into its
	// memory layer by name, and a copy made through the swapped link
	// cannot be placed after the open.
	for _, share := range []string{"share", "base", "robase", "cow", "regexp"} {
		s := hs.login(t)
		s.connect(t, share)
		inside := 0
		for range 300 {
			s.mid++
			hostileWrite(t, s.c, ntCreateRequest(s.mid, s.uid, s.tid, `d\secret`, accessRead, dispOpen, 0))
			typ, p, err := readFrame(s.c)
			if err != nil || typ != nbssMessage {
				t.Fatalf("%s: reply to NT_CREATE_ANDX: type %#x, %v", share, typ, err)
			}
			r, err := parseResponse(p)
			if err != nil {
				t.Fatal(err)
			}
			switch r.status {
			case statusSuccess:
				got := s.readClose(t, binary.LittleEndian.Uint16(r.words[5:]))
				if string(got) != insideText {
					t.Fatalf("%s: read %q through a swapped symlink", share, got)
				}
				inside++
			case statusNameNotFound, statusPathNotFound, statusAccessDenied:
				// Missing when the lookup met the link; access
				// denied when the link came between lookup and open.
			default:
				t.Fatalf("%s: open during the race: %v", share, r)
			}
		}
		t.Logf("%s: %d of 300 opens found the directory in place", share, inside)
	}
}

// TestBoundaryReadOnly: a read-only share, and one over afero.ReadOnlyFs,
// refuse every change with Samba's statuses for "read only = yes" and keep
// their files.
func TestBoundaryReadOnly(t *testing.T) {
	_, dir := boundaryTree(t)
	hs := boundaryServer(t, dir)
	for _, share := range []string{"ro", "rofs", "robase"} {
		t.Run(share, func(t *testing.T) {
			s := hs.login(t)
			s.connect(t, share)
			s.ntCreate(t, `file.txt`, accessReadWrite, dispOpen, statusAccessDenied)
			s.ntCreate(t, `file.txt`, accessRead, dispOverwriteIf, statusAccessDenied)
			s.ntCreate(t, `new.txt`, accessReadWrite, dispCreate, statusAccessDenied)
			s.ntCreate(t, `new.txt`, accessRead, dispCreate, statusNameNotFound)
			s.oem(t, cmdDelete, le16(0x16), path(`file.txt`), statusMediaWriteProtected)
			s.oem(t, bCmdRename, le16(0x16), append(path(`file.txt`), path(`g.txt`)...), statusMediaWriteProtected)
			s.oem(t, bCmdCreateDirectory, nil, path(`nd`), statusMediaWriteProtected)
			s.oem(t, bCmdDeleteDirectory, nil, path(`sub`), statusMediaWriteProtected)
			s.oem(t, bCmdSetInformation, append(le16(0x01), make([]byte, 14)...), path(`file.txt`), statusMediaWriteProtected)
			// A handle opened for reading cannot write.
			fid := s.ntCreate(t, `file.txt`, accessRead, dispOpen, statusSuccess)
			const dataOff = 32 + 1 + 28 + 2 + 1
			s.call(t, hCmdWriteAndX, s.uid, s.tid, writeAndXWords(fid, 4, dataOff), []byte("\x00EVIL"), statusAccessDenied)
			if got := s.readClose(t, fid); string(got) != insideText {
				t.Errorf("read %q", got)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "file.txt")); string(b) != insideText {
		t.Errorf("file.txt holds %q", b)
	}
	for _, name := range []string{"new.txt", "g.txt", "nd"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was created on a read-only share", name)
		}
	}
}

// impacketBoundary fetches files through names that try to leave the
// share and prints one line per name: "name STATUS" or "name OK <bytes>".
const impacketBoundary = `
import sys, io
from impacket.smbconnection import SMBConnection, SessionError
from impacket.smb import SMB_DIALECT
c = SMBConnection('*SMBSERVER', '127.0.0.1', sess_port=int(sys.argv[1]), preferredDialect=SMB_DIALECT)
c.login(sys.argv[2], sys.argv[3])
for share in ('share', 'base', 'robase', 'cow'):
    for name in sys.argv[4:]:
        buf = io.BytesIO()
        try:
            c.getFile(share, name, buf.write)
            print(share, name, 'OK', buf.getvalue().decode(errors='replace'))
        except SessionError as e:
            print(share, name, e.getErrorString()[0])
`

// TestInteropImpacketBoundary: impacket's getFile through "..", an
// absolute host path and symlinks to /etc gets Samba's statuses and
// never /etc/passwd.
func TestInteropImpacketBoundary(t *testing.T) {
	python := requirePeer(t, "impacket")
	_, dir := boundaryTree(t)
	if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")); err != nil {
		t.Fatal(err)
	}
	hs := boundaryServer(t, dir)
	_, port, _ := net.SplitHostPort(hs.addr)
	want := map[string]string{
		`..\..\etc\passwd`: "STATUS_OBJECT_PATH_SYNTAX_BAD",
		`\etc\passwd`:      "STATUS_OBJECT_PATH_NOT_FOUND",
		`etc\passwd`:       "STATUS_OBJECT_PATH_NOT_FOUND",
		`passwd`:           "STATUS_OBJECT_NAME_NOT_FOUND",
		`evil\secret`:      "STATUS_OBJECT_PATH_NOT_FOUND",
		`C:\etc\passwd`:    "STATUS_OBJECT_NAME_INVALID",
		`file.txt:stream`:  "STATUS_OBJECT_NAME_INVALID",
		`sub\inner`:        "OK " + insideText,
	}
	args := []string{"-c", impacketBoundary, port, testUser, testPassword}
	for name := range want {
		args = append(args, name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("impacket: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		got[line] = true
		if strings.Contains(line, "root:") {
			t.Errorf("impacket read /etc/passwd: %s", line)
		}
	}
	for _, share := range []string{"share", "base", "robase", "cow"} {
		for name, w := range want {
			if line := share + " " + name + " " + w; !got[line] {
				t.Errorf("missing %q in impacket's output:\n%s", line, out)
			}
		}
	}
}

// TestBoundaryUncheckable: New and Reload refuse a share whose Fs serves
// host files without Lstat (afero.RegexpFs, afero.CacheOnReadFs over a
// BasePathFs over the OS), and serve it when the share says Unconfined.
func TestBoundaryUncheckable(t *testing.T) {
	_, dir := boundaryTree(t)
	base := afero.NewBasePathFs(afero.NewOsFs(), dir)
	for _, fsys := range []afero.Fs{
		afero.NewRegexpFs(base, regexp.MustCompile(`.`)),
		afero.NewCacheOnReadFs(base, afero.NewMemMapFs(), 0),
	} {
		cfg := segConfig()
		cfg.Shares = []server.Share{{Name: "share", Fs: fsys}}
		if _, err := server.New(cfg); !errors.Is(err, vfs.ErrUncheckable) {
			t.Errorf("New with %s: %v, want vfs.ErrUncheckable", fsys.Name(), err)
		}
		cfg.Shares[0].Unconfined = true
		srv, err := server.New(cfg)
		if err != nil {
			t.Fatalf("New with an Unconfined %s: %v", fsys.Name(), err)
		}
		if err := srv.Reload(nil, []server.Share{{Name: "share", Fs: fsys}}); !errors.Is(err, vfs.ErrUncheckable) {
			t.Errorf("Reload with %s: %v, want vfs.ErrUncheckable", fsys.Name(), err)
		}
	}
}
