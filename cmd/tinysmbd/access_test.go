package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/afero"
)

func TestShareFlag(t *testing.T) {
	tests := []struct {
		arg   string
		want  shareSection
		guest bool
		err   string
	}{
		{arg: "docs=/home/a/Documents", want: shareSection{Name: "docs", Path: "/home/a/Documents"}},
		{arg: "docs=/d,ro", want: shareSection{Name: "docs", Path: "/d", ReadOnly: true}},
		{arg: "docs=/d,guest", want: shareSection{Name: "docs", Path: "/d"}, guest: true},
		{arg: "docs=/d,ro,guest", want: shareSection{Name: "docs", Path: "/d", ReadOnly: true}, guest: true},
		{arg: "fam=mem:,users=alice+@family", want: shareSection{Name: "fam", Path: "mem:", ValidUsers: []string{"alice", "@family"}}},
		{arg: "fam=mem:,read=bob", err: "want NAME=PATH"},
		{arg: "fam=/d,users=alice,users=bob", want: shareSection{Name: "fam", Path: "/d", ValidUsers: []string{"alice", "bob"}}},
		{arg: "odd=/srv/x=y", want: shareSection{Name: "odd", Path: "/srv/x=y"}},
		{arg: "nopath", err: "want NAME=PATH"},
		{arg: "=/d", err: "want NAME=PATH"},
		{arg: "docs=,ro", err: "want NAME=PATH"},
		// A misspelt option, or a comma in the path, is refused.
		{arg: "docs=/d,gust", err: `"docs=/d,gust": want NAME=PATH[,ro][,guest][,users=A+B]`},
		{arg: "odd=/srv/a,b", err: "want NAME=PATH"},
		{arg: "docs=/d,users=", err: "want NAME=PATH"},
	}
	for _, tt := range tests {
		sh, guest, err := shareFlag(tt.arg)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(sh, tt.want) || guest != tt.guest {
			t.Errorf("%s: %+v guest=%v, %v; want %+v guest=%v", tt.arg, sh, guest, err, tt.want, tt.guest)
		}
	}
}

// TestShareFlagGuestDefault: -share is open to guests only when no user
// exists at all, or when it says so; -guest leaves shares with
// valid_users closed.
func TestShareFlagGuestDefault(t *testing.T) {
	cfgFile := writeConfig(t, "[[users]]\nname = \"alice\"\npassword = \"x\"\n[[shares]]\nname = \"fam\"\npath = \"mem:\"\nvalid_users = [\"alice\"]\n")
	tests := []struct {
		args  []string
		guest map[string]bool
	}{
		{[]string{"-share", "docs=/d"}, map[string]bool{"docs": true}},
		{[]string{"-share", "docs=/d", "-user", "alice:secret"}, map[string]bool{"docs": false}},
		{[]string{"-share", "docs=/d,guest", "-user", "alice:secret"}, map[string]bool{"docs": true}},
		{[]string{"-share", "docs=/d,users=alice", "-user", "alice:secret", "-guest"}, map[string]bool{"docs": false}},
		{[]string{"-user", "alice:secret"}, map[string]bool{"public": false}},
		{nil, map[string]bool{"public": true}},
		{[]string{"-config", cfgFile, "-share", "docs=/d"}, map[string]bool{"fam": false, "docs": false}},
		{[]string{"-config", cfgFile, "-share", "docs=/d", "-guest"}, map[string]bool{"fam": false, "docs": true}},
	}
	for _, tt := range tests {
		o, err := parseFlags(tt.args, new(bytes.Buffer))
		if err != nil {
			t.Fatal(err)
		}
		fc, err := buildConfig(o)
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got := map[string]bool{}
		for _, sh := range fc.Shares {
			got[sh.Name] = sh.GuestOK
		}
		if !reflect.DeepEqual(got, tt.guest) {
			t.Errorf("%q: guest_ok %v, want %v", tt.args, got, tt.guest)
		}
	}
}

const accessConfig = `
[[users]]
name = "alice"
password = "a"

[[users]]
name = "bob"
password = "b"

[[groups]]
name = "family"
members = ["alice", "BOB"]

[[shares]]
name = "family"
path = "mem:"
valid_users = ["@Family"]
read_users = ["bob"]

[[shares]]
name = "archive"
path = "mem:"
read_only = true
write_users = ["Alice"]
`

func TestConfigAccess(t *testing.T) {
	fc, err := parseConfig([]byte(accessConfig))
	if err != nil {
		t.Fatal(err)
	}
	if err := fc.validate(); err != nil {
		t.Fatal(err)
	}
	cfg, err := fc.serverConfig(fakeOpen(map[string]afero.Fs{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Groups) != 1 || cfg.Groups[0].Name != "family" || !reflect.DeepEqual(cfg.Groups[0].Members, []string{"alice", "BOB"}) {
		t.Errorf("groups = %+v", cfg.Groups)
	}
	fam, arc := cfg.Shares[0], cfg.Shares[1]
	if !reflect.DeepEqual(fam.ValidUsers, []string{"@Family"}) || !reflect.DeepEqual(fam.ReadUsers, []string{"bob"}) ||
		!reflect.DeepEqual(arc.WriteUsers, []string{"Alice"}) || !arc.ReadOnly {
		t.Errorf("shares = %+v", cfg.Shares)
	}
}

// TestConfigAccessErrors: a list or group naming nobody is an error that
// names the line, all at once.
func TestConfigAccessErrors(t *testing.T) {
	bad := strings.NewReplacer(
		`members = ["alice", "BOB"]`, `members = ["alice", "eve"]`,
		`valid_users = ["@Family"]`, `valid_users = ["@famly"]`,
		`read_users = ["bob"]`, "read_users = [\"bob\", \"mallory\"]\nguest_ok = true",
		`write_users = ["Alice"]`, `write_users = ["@alice"]`,
	).Replace(accessConfig) + "\n[[groups]]\nname = \"FAMILY\"\n"
	fc, err := parseConfig([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	err = fc.validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`line 11: group "family": members: no user "eve"`,
		`line 28: group "FAMILY": empty, defined twice`,
		`line 17: share "family": valid_users: no [[users]] or @[[groups]] "@famly"`,
		`line 18: share "family": read_users: no [[users]] or @[[groups]] "mallory"`,
		`line 19: share "family": guest_ok with valid_users`,
		`line 25: share "archive": write_users: no [[users]] or @[[groups]] "@alice"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	o, _ := parseFlags([]string{"-share", "docs=/d,users=nobody", "-user", "alice:x"}, new(bytes.Buffer))
	if _, err := buildConfig(o); err == nil || !strings.Contains(err.Error(), `-share docs: valid_users: no [[users]] or @[[groups]] "nobody"`) {
		t.Errorf("-share with an unknown user: %v", err)
	}
}

// TestLogSettingsWarnsGuestWritable: every share a guest can write is
// named by a warning at start; a read-only or logon-only one is not.
func TestLogSettingsWarnsGuestWritable(t *testing.T) {
	fc := defaultFileConfig()
	fc.Users = []userSection{{Name: "alice"}}
	fc.Shares = []shareSection{
		{Name: "open", Path: "mem:", GuestOK: true},
		{Name: "shown", Path: "mem:", GuestOK: true, ReadOnly: true},
		{Name: "docs", Path: "/d"},
	}
	var buf bytes.Buffer
	logSettings(slog.New(slog.NewTextHandler(&buf, nil)), &fc)
	warns := 0
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "level=WARN") {
			warns++
			if !strings.Contains(line, "guests can write to this share") || !strings.Contains(line, "share=open") {
				t.Errorf("unexpected warning: %s", line)
			}
		}
	}
	if warns != 1 {
		t.Errorf("%d warnings, want 1:\n%s", warns, buf.String())
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tinysmbd.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
