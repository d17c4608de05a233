package browser

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// readCapture returns testdata/name.bin after checking it against the
// hexdump kept beside it. The captures are the SMB messages inside the
// datagrams Samba 4.17's nmbd broadcast on UDP 138 (see
// netbt/testdata/nmbd-*.bin for the whole datagrams).
func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".bin"))
	if err != nil {
		t.Fatal(err)
	}
	dump, err := os.ReadFile(filepath.Join("testdata", name+".hexdump"))
	if err != nil {
		t.Fatal(err)
	}
	if hex.Dump(b) != string(dump) {
		t.Fatalf("testdata/%s.hexdump does not match %[1]s.bin", name)
	}
	return b
}

// TestNmbdHostAnnouncements parses nmbd's announcement at start and the one
// it sends when stopping (Periodicity 0, ServerType 0, MS-BRWS 3.2.7), and
// rebuilds both byte for byte.
func TestNmbdHostAnnouncements(t *testing.T) {
	tests := []struct {
		capture     string
		periodicity uint32
		typ         uint32
	}{
		{"nmbd-host-announcement", 60000, SVTypeWorkstation | SVTypeServer | SVTypePrintQServer |
			SVTypeServerUnix | SVTypeNT | SVTypeServerNT | SVTypeDFS},
		{"nmbd-host-announcement-leaving", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.capture, func(t *testing.T) {
			msg := readCapture(t, tt.capture)
			ms, err := ParseMailslot(msg)
			if err != nil {
				t.Fatal(err)
			}
			if string(ms.Name) != MailslotBrowse || ms.Class != MailslotClassUnreliable {
				t.Errorf("mailslot %q class %d", ms.Name, ms.Class)
			}
			a, err := ParseAnnouncement(ms.Data)
			if err != nil {
				t.Fatal(err)
			}
			if a.Opcode() != OpHostAnnouncement || a.UpdateCount() != 0 || a.Periodicity() != tt.periodicity ||
				string(a.ServerName()) != "SAMBANMB" || a.VersionMajor() != 6 || a.VersionMinor() != 1 ||
				a.ServerType() != tt.typ || a.BrowserVersionMajor() != 15 || a.BrowserVersionMinor() != 1 ||
				a.Signature() != Signature || string(a.Comment()) != "Samba Comment" {
				t.Errorf("announcement: op %d count %d period %d name %q os %d.%d type %#x browser %d.%d sig %#x comment %q",
					a.Opcode(), a.UpdateCount(), a.Periodicity(), a.ServerName(), a.VersionMajor(), a.VersionMinor(),
					a.ServerType(), a.BrowserVersionMajor(), a.BrowserVersionMinor(), a.Signature(), a.Comment())
			}
			frame := AppendHostAnnouncement(nil, Host{
				Periodicity: tt.periodicity, Name: "SAMBANMB", OSMajor: 6, OSMinor: 1, Type: tt.typ, Comment: "Samba Comment",
			})
			if got := AppendMailslotWrite(nil, MailslotBrowse, frame); !bytes.Equal(got, msg) {
				t.Errorf("rebuilt:\n%swant:\n%s", hex.Dump(got), hex.Dump(msg))
			}
		})
	}
}

// TestNmbdElection parses the RequestElection nmbd sent to WORKGROUP<1E>:
// a nonbrowser server only has to recognise it to ignore it.
func TestNmbdElection(t *testing.T) {
	ms, err := ParseMailslot(readCapture(t, "nmbd-election-request"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseElection(ms.Data)
	if err != nil {
		t.Fatal(err)
	}
	if e.Version() != 0 || e.Criteria() != 0 || e.Uptime() != 0 || len(e.ServerName()) != 0 {
		t.Errorf("election: version %d criteria %#x uptime %d name %q", e.Version(), e.Criteria(), e.Uptime(), e.ServerName())
	}
	if _, err := ParseAnnouncement(ms.Data); err != errFrameShort {
		t.Errorf("ParseAnnouncement(election) = %v", err)
	}
	if _, err := ParseAnnouncementRequest(ms.Data); err != errFrameOpcode {
		t.Errorf("ParseAnnouncementRequest(election) = %v", err)
	}
}

// TestNmbdMasterFrames parses what nmbd sent once it became the local
// master browser: an AnnouncementRequest to WORKGROUP<1E> with Reserved 1
// and its name one byte past ResponseName, unterminated (so ResponseName is
// empty, as tshark reads it too), a LocalMasterAnnouncement and a
// DomainAnnouncement.
func TestNmbdMasterFrames(t *testing.T) {
	frame := func(name string) []byte {
		t.Helper()
		ms, err := ParseMailslot(readCapture(t, name))
		if err != nil || string(ms.Name) != MailslotBrowse || ms.Class != MailslotClassUnreliable {
			t.Fatalf("%s: mailslot %q class %d: %v", name, ms.Name, ms.Class, err)
		}
		return ms.Data
	}
	r, err := ParseAnnouncementRequest(frame("nmbd-announcement-request"))
	if err != nil || string(r.ResponseName()) != "" {
		t.Errorf("AnnouncementRequest: response name %q, %v", r.ResponseName(), err)
	}
	lm, err := ParseAnnouncement(frame("nmbd-local-master-announcement"))
	if err != nil || lm.Opcode() != OpLocalMasterAnnouncement || string(lm.ServerName()) != "MASTERNMB" ||
		lm.UpdateCount() != 2 || lm.Periodicity() != 120000 || lm.ServerType()&SVTypeMasterBrowser == 0 ||
		string(lm.Comment()) != "Samba 4.17.12-Debian" {
		t.Errorf("LocalMasterAnnouncement: %q count %d period %d type %#x comment %q, %v",
			lm.ServerName(), lm.UpdateCount(), lm.Periodicity(), lm.ServerType(), lm.Comment(), err)
	}
	dom, err := ParseAnnouncement(frame("nmbd-domain-announcement"))
	if err != nil || dom.Opcode() != OpDomainAnnouncement || string(dom.ServerName()) != "WORKGROUP" ||
		dom.ServerType() != SVTypeNT|SVTypeDomainEnum || string(dom.Comment()) != "MASTERNMB" {
		t.Errorf("DomainAnnouncement: group %q type %#x master %q, %v", dom.ServerName(), dom.ServerType(), dom.Comment(), err)
	}
}

// TestAppendHostAnnouncementExact checks a frame byte by byte, with a
// comment that has to be cut and one that has to be mapped.
func TestAppendHostAnnouncementExact(t *testing.T) {
	got := AppendHostAnnouncement([]byte{0xEE}, Host{
		Periodicity: 720000, Name: "NAS", OSMajor: 6, OSMinor: 1,
		Type: SVTypeWorkstation | SVTypeServer | SVTypeServerUnix | SVTypeNT | SVTypeServerNT, Comment: "Büro €",
	})
	want := "ee" + "01" + "00" + "80fc0a00" + hex.EncodeToString([]byte("NAS\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")) +
		"0601" + "03980000" + "0f01" + "55aa" + hex.EncodeToString([]byte("B\xfcro ?\x00"))
	if h := hex.EncodeToString(got); h != want {
		t.Errorf("AppendHostAnnouncement =\n%s\nwant\n%s", h, want)
	}

	long := strings.Repeat("c", 60)
	a, err := ParseAnnouncement(AppendHostAnnouncement(nil, Host{Name: "X", Comment: long}))
	if err != nil || string(a.Comment()) != long[:MaxCommentLen] || len(a) != 32+MaxCommentLen+1 {
		t.Errorf("long comment: %q (%d bytes), %v", a.Comment(), len(a), err)
	}
	a, err = ParseAnnouncement(AppendHostAnnouncement(nil, Host{Name: "X", Comment: "a\x00b"}))
	if err != nil || string(a.Comment()) != "a?b" {
		t.Errorf("comment with NUL: %q, %v", a.Comment(), err)
	}
	defer func() {
		if recover() == nil {
			t.Error("AppendHostAnnouncement accepted a 16-byte name")
		}
	}()
	AppendHostAnnouncement(nil, Host{Name: strings.Repeat("N", 16)})
}

func TestParseFrameErrors(t *testing.T) {
	host := AppendHostAnnouncement(nil, Host{Name: "A", Comment: "c"})
	tests := []struct {
		name  string
		parse func([]byte) error
		b     []byte
		err   error
	}{
		{"announcement short", parseAnn, host[:31], errFrameShort},
		{"announcement opcode", parseAnn, append([]byte{OpMasterAnnouncement}, host[1:]...), errFrameOpcode},
		{"announcement unterminated", parseAnn, host[:len(host)-1], errUnterminated},
		{"announcement without comment", parseAnn, host[:32], nil},
		{"local master", parseAnn, append([]byte{OpLocalMasterAnnouncement}, host[1:]...), nil},
		{"domain", parseAnn, append([]byte{OpDomainAnnouncement}, host[1:]...), nil},
		{"request short", parseReq, []byte{OpAnnouncementRequest}, errFrameShort},
		{"request opcode", parseReq, []byte{OpBecomeBackup, 0}, errFrameOpcode},
		{"request without name", parseReq, []byte{OpAnnouncementRequest, 0}, nil},
		{"election short", parseElection, make([]byte, 13), errFrameShort},
		{"election opcode", parseElection, make([]byte, 14), errFrameOpcode},
	}
	for _, tt := range tests {
		if err := tt.parse(tt.b); err != tt.err {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
	r, err := ParseAnnouncementRequest([]byte{OpAnnouncementRequest, 0, 'P', 'C', 0, 'x'})
	if err != nil || string(r.ResponseName()) != "PC" {
		t.Errorf("ResponseName = %q, %v", r.ResponseName(), err)
	}
	r, _ = ParseAnnouncementRequest([]byte{OpAnnouncementRequest, 0, 'P', 'C'})
	if string(r.ResponseName()) != "PC" {
		t.Errorf("unterminated ResponseName = %q", r.ResponseName())
	}
}

func parseAnn(b []byte) error      { _, err := ParseAnnouncement(b); return err }
func parseReq(b []byte) error      { _, err := ParseAnnouncementRequest(b); return err }
func parseElection(b []byte) error { _, err := ParseElection(b); return err }

func TestParseMailslotErrors(t *testing.T) {
	good := AppendMailslotWrite(nil, MailslotBrowse, []byte{OpAnnouncementRequest, 0, 0})
	if ms, err := ParseMailslot(good); err != nil || string(ms.Name) != MailslotBrowse || !bytes.Equal(ms.Data, []byte{2, 0, 0}) {
		t.Fatalf("ParseMailslot(good) = %+v, %v", ms, err)
	}
	edit := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	const words = smb.HeaderLen + 1
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"reply", edit(func(b []byte) { b[9] = smb.FlagsReply }), errNotTransaction},
		{"other command", edit(func(b []byte) { b[4] = 0x32 }), errNotTransaction},
		{"setup opcode", edit(func(b []byte) { b[words+28] = 2 }), errNotMailslot},
		{"split", edit(func(b []byte) { b[words+2] = 9 }), errSplit},
	}
	for _, tt := range tests {
		if _, err := ParseMailslot(tt.b); err != tt.err {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
	// Two setup words: rebuild the message with SetupCount 2.
	two := bytes.Clone(good[:words])
	two[smb.HeaderLen] = 16
	two = append(two, good[words:words+26]...)
	two = append(two, 2, 0, 1, 0, 1, 0)
	binary.LittleEndian.PutUint16(two[words+22:], uint16(binary.LittleEndian.Uint16(two[words+22:])-2))
	two = append(two, good[words+34:]...)
	if _, err := ParseMailslot(two); err != errNotMailslot {
		t.Errorf("two setup words: %v", err)
	}
	for _, b := range [][]byte{nil, good[:20], good[:len(good)-1]} {
		if _, err := ParseMailslot(b); err == nil {
			t.Errorf("ParseMailslot(%x) accepted a truncated message", b)
		}
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	msg := readCapture(t, "nmbd-host-announcement")
	allocs := testing.AllocsPerRun(100, func() {
		ms, err := ParseMailslot(msg)
		if err != nil {
			panic(err)
		}
		a, err := ParseAnnouncement(ms.Data)
		if err != nil || len(a.ServerName()) == 0 || len(a.Comment()) == 0 {
			panic("parse failed")
		}
	})
	if allocs != 0 {
		t.Errorf("ParseMailslot and ParseAnnouncement allocate %v times", allocs)
	}
	buf := make([]byte, 0, 256)
	allocs = testing.AllocsPerRun(100, func() {
		frame := AppendHostAnnouncement(buf[200:200], Host{Name: "NAS", Comment: "tinysmbd"})
		AppendMailslotWrite(buf[:0], MailslotBrowse, frame)
	})
	if allocs != 0 {
		t.Errorf("building an announcement allocates %v times", allocs)
	}
}

func BenchmarkParseMailslotAnnouncement(b *testing.B) {
	msg := readCapture(b, "nmbd-host-announcement")
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		ms, err := ParseMailslot(msg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ParseAnnouncement(ms.Data); err != nil {
			b.Fatal(err)
		}
	}
}

var nmbdCaptures = []string{
	"nmbd-host-announcement", "nmbd-election-request", "nmbd-host-announcement-leaving",
	"nmbd-announcement-request", "nmbd-local-master-announcement", "nmbd-domain-announcement",
}

// FuzzParseMailslot checks that an accepted message rebuilds to one that
// parses the same.
func FuzzParseMailslot(f *testing.F) {
	for _, c := range nmbdCaptures {
		f.Add(readCapture(f, c))
	}
	f.Add(AppendMailslotWrite(nil, MailslotLanman, []byte{OpAnnouncementRequest, 0, 'A', 0}))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ms, err := ParseMailslot(msg)
		if err != nil || bytes.IndexByte(ms.Name, 0) >= 0 {
			return
		}
		again, err := ParseMailslot(AppendMailslotWrite(nil, string(ms.Name), ms.Data))
		if err != nil || !bytes.Equal(again.Name, ms.Name) || !bytes.Equal(again.Data, ms.Data) {
			t.Fatalf("rebuilt mailslot %q data %x: %q %x, %v", ms.Name, ms.Data, again.Name, again.Data, err)
		}
	})
}

// FuzzParseFrame runs every frame parser over the input; an accepted
// HostAnnouncement with a plain ASCII comment rebuilds to the same fields.
func FuzzParseFrame(f *testing.F) {
	for _, c := range nmbdCaptures {
		ms, err := ParseMailslot(readCapture(f, c))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ms.Data)
	}
	f.Add([]byte{OpAnnouncementRequest, 0, 'W', 'S', 0})
	f.Fuzz(func(t *testing.T, frame []byte) {
		if r, err := ParseAnnouncementRequest(frame); err == nil {
			_ = r.ResponseName()
		}
		if e, err := ParseElection(frame); err == nil {
			_, _, _, _ = e.Version(), e.Criteria(), e.Uptime(), e.ServerName()
		}
		a, err := ParseAnnouncement(frame)
		if err != nil {
			return
		}
		name, comment := string(a.ServerName()), string(a.Comment())
		if len(name) > 15 || len(comment) > MaxCommentLen || strings.ContainsFunc(comment, func(r rune) bool { return r >= 0x80 }) {
			return
		}
		b, err := ParseAnnouncement(AppendHostAnnouncement(nil, Host{
			Periodicity: a.Periodicity(), Name: name, OSMajor: a.VersionMajor(), OSMinor: a.VersionMinor(),
			Type: a.ServerType(), Comment: comment,
		}))
		if err != nil || string(b.ServerName()) != name || string(b.Comment()) != comment ||
			b.Periodicity() != a.Periodicity() || b.ServerType() != a.ServerType() ||
			b.VersionMajor() != a.VersionMajor() || b.VersionMinor() != a.VersionMinor() {
			t.Fatalf("rebuilt %x from %x: %v", b, frame, err)
		}
	})
}

// TestNoFmt keeps fmt, and its allocating errors, off the parse path.
func TestNoFmt(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(src), `"fmt"`) {
			t.Errorf("%s imports fmt", name)
		}
	}
}
