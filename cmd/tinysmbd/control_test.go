package main

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/tinysmbd/tinysmbd/server"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"6MiB": 6 << 20, "512KiB": 512 << 10, "8388608": 8 << 20, "100B": 100,
		"1GiB": 1 << 30, " 2 MiB ": 2 << 20, "0": 0, "8388607TiB": 8388607 << 40,
	} {
		if got, err := parseByteSize(in); err != nil || got != want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "6.5MiB", "6MB", "-1", "6 mib", "8388608TiB", "1e6"} {
		if got, err := parseByteSize(in); err == nil {
			t.Errorf("parseByteSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestOpsConfig(t *testing.T) {
	fc, err := parseConfig([]byte(`
[server]
memory_limit = "6MiB"
control_socket = "/run/x.sock"
control_group = "wheel"
[[shares]]
name = "s"
path = "mem:"
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := fc.validate(); err != nil {
		t.Fatal(err)
	}
	if p, explicit := fc.Server.controlPath(); p != "/run/x.sock" || !explicit || fc.Server.ControlGroup != "wheel" {
		t.Errorf("control socket %q (explicit %v), group %q", p, explicit, fc.Server.ControlGroup)
	}
	if p, explicit := defaultFileConfig().Server.controlPath(); p != defaultControlSocket || explicit {
		t.Errorf("default control socket %q (explicit %v)", p, explicit)
	}

	fc.Server.MemoryLimit = "6 megs"
	bad := "relative"
	fc.Server.ControlSocket = &bad
	fc.Server.ControlGroup = "a:b"
	err = fc.validate()
	for _, want := range []string{"server.memory_limit", "server.control_socket", "server.control_group"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate: %v; want an error naming %s", err, want)
		}
	}
}

func TestControlAllowed(t *testing.T) {
	self := os.Geteuid()
	p := &ops{gid: 4242}
	for _, tc := range []struct {
		c    peerCred
		want bool
	}{
		{peerCred{pid: -1, uid: 0, gid: 1}, true},
		{peerCred{pid: -1, uid: self, gid: 1}, true},
		{peerCred{pid: -1, uid: 31337, gid: 4242}, true},
		{peerCred{pid: -1, uid: 31337, gid: 1}, self == 31337},
		// Our own process: in group 4242 only if we are, which the test
		// process is not expected to be.
		{peerCred{pid: os.Getpid(), uid: 31337, gid: 1}, self == 31337 || inGroup(os.Getpid(), 4242)},
	} {
		if got := p.allowed(tc.c); got != tc.want {
			t.Errorf("allowed(%+v) with control_group 4242 = %v, want %v", tc.c, got, tc.want)
		}
	}
	if (&ops{gid: -1}).allowed(peerCred{uid: 31337, gid: 31337}) && self != 31337 {
		t.Error("a stranger was allowed without control_group")
	}
	if g, err := lookupGroup("root"); err != nil || g != 0 {
		t.Errorf("lookupGroup(root) = %d, %v", g, err)
	}
	if g, err := lookupGroup("123"); err != nil || g != 123 {
		t.Errorf("lookupGroup(123) = %d, %v", g, err)
	}
	if _, err := lookupGroup("no-such-group-here"); err == nil {
		t.Error("lookupGroup of an unknown group succeeded")
	}
}

// testDaemonInfo is the serving process that status tests describe.
var testDaemonInfo = daemonInfo{pid: 4242, version: "tinysmbd v0.1.0", config: "/etc/tinysmbd.toml",
	listen: [][2]string{{"netbt", "0.0.0.0:139"}, {"direct", "0.0.0.0:445"}, {"nbns", "0.0.0.0:137"}}}

// testStatus is a server with two connections, one logged on with a tree,
// an open file and a lock.
func testStatus(t0 time.Time) server.Status {
	return server.Status{Started: t0, Connections: []server.ConnStatus{
		{ID: 3, RemoteAddr: "192.168.1.20:50123", Dialect: "NT LM 0.12", Since: t0.Add(time.Minute),
			Sessions: []server.SessionStatus{{UID: 100, User: "alice", Domain: "HOME"}},
			Trees:    []server.TreeStatus{{TID: 1, UID: 100, Share: "media", ReadOnly: true}},
			Files: []server.FileStatus{{FID: 7, TID: 1, UID: 100, PID: 42, Share: "media", Path: "/a.mkv", Access: 0x1,
				Locks: []server.LockStatus{{PID: 42, Offset: 0, Length: 4096, Exclusive: true}}}},
		},
		{ID: 4, RemoteAddr: "192.168.1.21:50200", Since: t0.Add(2 * time.Minute)},
	}}
}

func TestWriteStatus(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local)
	st := testStatus(t0)
	var b bytes.Buffer
	writeStatus(&b, testDaemonInfo, st, t0.Add(time.Hour))
	out := b.String()
	for _, want := range []string{
		"up since 2026-11-25 10:00:00 (1h0m0s); connections: 2",
		"pid 4242, tinysmbd v0.1.0, config /etc/tinysmbd.toml\nlistening: netbt 0.0.0.0:139, direct 0.0.0.0:445, nbns 0.0.0.0:137\n",
		"3     100  HOME\\alice  192.168.1.20:50123  NT LM 0.12  2026-11-25 10:01:00",
		"4     -    (no logon)  192.168.1.21:50200  -           2026-11-25 10:02:00",
		"media (read-only)",
		"R-- 0x00000001  media  /a.mkv",
		"3     7    42   exclusive  0       4096    /a.mkv",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
}

// TestServerSectionChanged changes every field of serverSection, nested ones
// included, one at a time, and wants changed to name exactly its key, so
// that a field added to the schema but not to changed fails here instead of
// going unnoticed by reload.
func TestServerSectionChanged(t *testing.T) {
	// value returns a value of type typ numbered n: different n, different
	// values, and a fresh pointer each time.
	var value func(typ reflect.Type, n int) reflect.Value
	value = func(typ reflect.Type, n int) reflect.Value {
		v := reflect.New(typ).Elem()
		switch typ.Kind() {
		case reflect.String:
			v.SetString(strconv.Itoa(n))
		case reflect.Bool:
			v.SetBool(n%2 == 1)
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n))
		case reflect.Slice:
			v.Set(reflect.Append(v, value(typ.Elem(), n)))
		case reflect.Pointer:
			v.Set(reflect.New(typ.Elem()))
			v.Elem().Set(value(typ.Elem(), n))
		default:
			t.Fatalf("no test values for %v", typ)
		}
		return v
	}
	var walk func(typ reflect.Type, index []int)
	walk = func(typ reflect.Type, index []int) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			idx := append(slices.Clone(index), i)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			base := defaultFileConfig().Server
			a, b := base, base
			field := func(s *serverSection) reflect.Value { return reflect.ValueOf(s).Elem().FieldByIndex(idx) }
			field(&a).Set(value(f.Type, 1))
			field(&b).Set(value(f.Type, 1))
			key := strings.Split(f.Tag.Get("toml"), ",")[0]
			if got := a.changed(&b); len(got) != 0 {
				t.Errorf("%s: equal values (fresh pointers, slices) changed %q", f.Name, got)
			}
			field(&b).Set(value(f.Type, 2))
			if got, rev := a.changed(&b), b.changed(&a); !slices.Equal(got, []string{key}) || !slices.Equal(rev, got) {
				t.Errorf("%s: a change is reported as %q and %q, want [%s]", f.Name, got, rev, key)
			}
			if k := f.Type.Kind(); k == reflect.Pointer || k == reflect.Slice {
				field(&b).Set(reflect.Zero(f.Type))
				if got := a.changed(&b); !slices.Equal(got, []string{key}) {
					t.Errorf("%s: nil and non-nil are reported as %q, want [%s]", f.Name, got, key)
				}
			}
		}
	}
	walk(reflect.TypeFor[serverSection](), nil)
}

// TestColumnsMatchesTabwriter holds columns to the layout writeStatus had
// with text/tabwriter.NewWriter(w, 0, 0, 2, ' ', 0).
func TestColumnsMatchesTabwriter(t *testing.T) {
	tables := [][]string{
		{"Conn\tUID\tUser\tClient\tSince\n", "3\t100\tHOME\\alice\t192.168.1.20:50123\t2026-11-25 10:01:00\n",
			"12345\t-\t(no logon)\t[fe80::1%eth0]:50200\t2026-11-25 10:02:00\n"},
		{"Conn\tFID\tPath\n", "3\t7\t/Bücher/ärger.txt\n", "4\t\t/日本語/ファイル\n", "\t\t\n"},
		{"no tabs at all\n", "x\n"},
		{},
		{"Conn\tPath\n", "1\t/a\n", "unterminated\tline"},
	}
	var got, want bytes.Buffer
	c := &columns{w: &got}
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	for _, lines := range tables {
		for _, l := range lines {
			fmt.Fprint(c, l)
			fmt.Fprint(tw, l)
		}
		c.Flush()
		tw.Flush()
		got.WriteString("--\n")
		want.WriteString("--\n")
	}
	if got.String() != want.String() {
		t.Errorf("columns wrote:\n%s\ntext/tabwriter:\n%s", got.String(), want.String())
	}
}
