package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
)

// fakeOpen stands in for the disk: "mem:" still yields a MemMapFs, any other
// path a MemMapFs tagged through a map so the test can tell them apart.
func fakeOpen(opened map[string]afero.Fs) fsOpener {
	return func(path string) (afero.Fs, error) {
		if path == memPath {
			return afero.NewMemMapFs(), nil
		}
		fs := afero.NewMemMapFs()
		opened[path] = fs
		return fs, nil
	}
}

const goodConfig = `
[server]
netbios_name = "nas1"          # lower case is accepted and upper-cased
workgroup = "HOME"
netbt_listen = "127.0.0.1:1139"
direct_listen = ""              # disabled
nbns_listen = ""
ntlmv1 = true
coalesce_session_setup = true
strict_called_name = true
max_message_size = 65540

[[users]]
name = "alice"
password = "secret"

[[users]]
name = "bob"
nt_hash = "8846F7EAEE8FB117AD06BDD830B7586C"

[[users]]
name = "carol"
password = ""

[[shares]]
name = "public"
path = "/srv/public"
read_only = true
guest_ok = true
comment = "Public files"

[[shares]]
name = "scratch"
path = "mem:"
`

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		wantErr []string // substrings of the error; nil means success
		check   func(t *testing.T, cfg server.Config, opened map[string]afero.Fs)
	}{
		{
			name: "good config",
			toml: goodConfig,
			check: func(t *testing.T, cfg server.Config, opened map[string]afero.Fs) {
				if cfg.NetBIOSName != "NAS1" || cfg.Workgroup != "HOME" {
					t.Errorf("names = %q, %q", cfg.NetBIOSName, cfg.Workgroup)
				}
				if cfg.NetBTListen != "127.0.0.1:1139" || cfg.DirectListen != "" || cfg.NBNSListen != "" {
					t.Errorf("listen = %q, %q, %q", cfg.NetBTListen, cfg.DirectListen, cfg.NBNSListen)
				}
				if !cfg.NTLMv1 || !cfg.CoalesceSessionSetup || !cfg.StrictCalledName || cfg.MaxMessageSize != 65540 {
					t.Errorf("switches = %+v", cfg)
				}
				if len(cfg.Users) != 3 {
					t.Fatalf("users = %+v", cfg.Users)
				}
				if u := cfg.Users[0]; u.Name != "alice" || u.Password != "secret" || u.NTHash != [16]byte{} {
					t.Errorf("alice = %+v", u)
				}
				want := [16]byte{0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17, 0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c}
				if u := cfg.Users[1]; u.Name != "bob" || u.Password != "" || u.NTHash != want {
					t.Errorf("bob = %+v", u)
				}
				if u := cfg.Users[2]; u.Password != "" || u.NTHash != emptyNTHash {
					t.Errorf("carol (empty password) = %+v", u)
				}
				if len(cfg.Shares) != 2 {
					t.Fatalf("shares = %+v", cfg.Shares)
				}
				sh := cfg.Shares[0]
				if sh.Name != "public" || !sh.ReadOnly || !sh.GuestOK || sh.Comment != "Public files" {
					t.Errorf("public = %+v", sh)
				}
				if sh.Fs == nil || opened["/srv/public"] != sh.Fs {
					t.Errorf("public Fs was not opened from its path")
				}
				if sh := cfg.Shares[1]; sh.ReadOnly || sh.GuestOK {
					t.Errorf("scratch = %+v", sh)
				}
			},
		},
		{
			name: "defaults",
			toml: "[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			check: func(t *testing.T, cfg server.Config, _ map[string]afero.Fs) {
				if cfg.NetBIOSName != "TINYSMBD" || cfg.Workgroup != "WORKGROUP" ||
					cfg.NetBTListen != "0.0.0.0:139" || cfg.DirectListen != "0.0.0.0:445" ||
					cfg.NBNSListen != "" || cfg.MaxMessageSize != 131071 ||
					cfg.NTLMv1 || cfg.CoalesceSessionSetup || cfg.StrictCalledName ||
					cfg.Browse || cfg.Interfaces != nil || cfg.NetBIOSAliases != nil || cfg.ServerComment != "" ||
					cfg.Signing != server.SigningAuto {
					t.Errorf("defaults = %+v", cfg)
				}
			},
		},
		{
			name: "name service",
			toml: `
[server]
netbios_name = "nas"
nbns_listen = "0.0.0.0:137"
interfaces = ["br-lan", "192.168.1.1"]
netbios_aliases = ["files", "Printer"]
server_comment = "Attic NAS"
[[shares]]
name = "s"
path = "mem:"
`,
			check: func(t *testing.T, cfg server.Config, _ map[string]afero.Fs) {
				if cfg.NBNSListen != "0.0.0.0:137" || strings.Join(cfg.Interfaces, ",") != "br-lan,192.168.1.1" {
					t.Errorf("nbns_listen %q, interfaces %q", cfg.NBNSListen, cfg.Interfaces)
				}
				if strings.Join(cfg.NetBIOSAliases, ",") != "FILES,PRINTER" {
					t.Errorf("aliases %q; want upper case", cfg.NetBIOSAliases)
				}
				if cfg.Browse != server.BrowseBuilt {
					t.Errorf("browse %v by default with the name service, want %v (on unless built with tinysmbd_nobrowse)", cfg.Browse, server.BrowseBuilt)
				}
				if cfg.ServerComment != "Attic NAS" {
					t.Errorf("comment %q", cfg.ServerComment)
				}
			},
		},
		{
			name: "name service without browsing",
			toml: "[server]\nnbns_listen = \":137\"\nbrowse = false\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			check: func(t *testing.T, cfg server.Config, _ map[string]afero.Fs) {
				if cfg.NBNSListen != ":137" || cfg.Browse {
					t.Errorf("nbns_listen %q browse %v", cfg.NBNSListen, cfg.Browse)
				}
			},
		},
		{
			name: "browsing without the name service",
			toml: "[server]\nbrowse = true\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			check: func(t *testing.T, cfg server.Config, _ map[string]afero.Fs) {
				if cfg.NBNSListen != "" || !cfg.Browse {
					t.Errorf("nbns_listen %q browse %v", cfg.NBNSListen, cfg.Browse)
				}
			},
		},
		{
			name: "bad aliases and interfaces",
			toml: `
[server]
netbios_name = "NAS"
netbios_aliases = ["ABCDEFGHIJKLMNOP", "nas", "x", "X", "*star"]
interfaces = ["eth0", " "]
[[shares]]
name = "s"
path = "mem:"
`,
			wantErr: []string{
				`server.netbios_aliases[0] "ABCDEFGHIJKLMNOP": 16 bytes`,
				`server.netbios_aliases[1] "NAS": already given as server.netbios_name`,
				`server.netbios_aliases[3] "X": already given as server.netbios_aliases[2]`,
				`server.netbios_aliases[4] "*STAR": must not start with '*'`,
				`server.interfaces[1] is empty`,
			},
		},
		{
			name:    "interfaces of the wrong type",
			toml:    "[server]\ninterfaces = \"eth0\"\n",
			wantErr: []string{"interfaces"},
		},
		{
			name: "mem: share",
			toml: "[[shares]]\nname = \"ram\"\npath = \"mem:\"\nguest_ok = true\n",
			check: func(t *testing.T, cfg server.Config, opened map[string]afero.Fs) {
				if len(cfg.Shares) != 1 {
					t.Fatalf("shares = %+v", cfg.Shares)
				}
				if _, ok := cfg.Shares[0].Fs.(*afero.MemMapFs); !ok {
					t.Errorf("Fs = %T, want *afero.MemMapFs", cfg.Shares[0].Fs)
				}
				if len(opened) != 0 {
					t.Errorf("mem: share opened a path: %v", opened)
				}
			},
		},
		{
			name:    "unknown key",
			toml:    "[server]\nnetbios_name = \"X\"\n\nnetbois_name = \"Y\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\nread_ony = true\n",
			wantErr: []string{`line 4: unknown key "server.netbois_name"`, `line 8: unknown key "shares.read_ony"`},
		},
		{
			name:    "unknown table reported once",
			toml:    "[[shares]]\nname = \"s\"\npath = \"mem:\"\n[logging]\nlevel = \"debug\"\n",
			wantErr: []string{`line 4: unknown key "logging"`},
		},
		{
			name:    "syntax error",
			toml:    "[server\n",
			wantErr: []string{"toml: line "},
		},
		{
			name:    "wrong type",
			toml:    "[server]\nntlmv1 = \"yes\"\n",
			wantErr: []string{"ntlmv1"},
		},
		{
			name: "server_signing mandatory",
			toml: "[server]\nserver_signing = \"mandatory\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			check: func(t *testing.T, cfg server.Config, _ map[string]afero.Fs) {
				if cfg.Signing != server.SigningMandatory {
					t.Errorf("Signing = %v, want mandatory", cfg.Signing)
				}
			},
		},
		{
			name: "server_signing disabled",
			toml: "[server]\nserver_signing = \"disabled\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			check: func(t *testing.T, cfg server.Config, _ map[string]afero.Fs) {
				if cfg.Signing != server.SigningDisabled {
					t.Errorf("Signing = %v, want disabled", cfg.Signing)
				}
			},
		},
		{
			name:    "server_signing unknown",
			toml:    "[server]\nserver_signing = \"required\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`server.server_signing "required": want "auto", "mandatory" or "disabled"`},
		},
		{
			name:    "bad hash: not hex",
			toml:    "[[users]]\nname = \"u\"\nnt_hash = \"zz46F7EAEE8FB117AD06BDD830B7586C\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`user "u": nt_hash: want 32 hex digits`},
		},
		{
			name:    "bad hash: too short",
			toml:    "[[users]]\nname = \"u\"\nnt_hash = \"8846F7EA\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`user "u": nt_hash: want 32 hex digits, got 8`},
		},
		{
			name:    "password and hash",
			toml:    "[[users]]\nname = \"u\"\npassword = \"p\"\nnt_hash = \"8846F7EAEE8FB117AD06BDD830B7586C\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`user "u": set password or nt_hash, not both`},
		},
		{
			name:    "neither password nor hash",
			toml:    "[[users]]\nname = \"u\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`user "u": needs password or nt_hash`},
		},
		{
			name:    "duplicate user",
			toml:    "[[users]]\nname = \"u\"\npassword = \"a\"\n[[users]]\nname = \"U\"\npassword = \"b\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`user "U": duplicate name`},
		},
		{
			name:    "duplicate share",
			toml:    "[[shares]]\nname = \"Public\"\npath = \"mem:\"\n[[shares]]\nname = \"PUBLIC\"\npath = \"/srv\"\n",
			wantErr: []string{`share "PUBLIC": duplicate name`, "shares[0]"},
		},
		{
			name:    "bad share names",
			toml:    "[[shares]]\nname = \"\"\npath = \"mem:\"\n[[shares]]\nname = \"a/b\"\npath = \"mem:\"\n[[shares]]\nname = \"ipc$\"\npath = \"mem:\"\n",
			wantErr: []string{"shares[0]: name \"\": empty", "shares[1]: name \"a/b\"", "shares[2]: name \"ipc$\": reserved"},
		},
		{
			name:    "share without path",
			toml:    "[[shares]]\nname = \"s\"\n",
			wantErr: []string{`share "s": path is empty`},
		},
		{
			name:    "no shares",
			toml:    "[server]\n",
			wantErr: []string{"no shares"},
		},
		{
			name:    "netbios name too long",
			toml:    "[server]\nnetbios_name = \"ABCDEFGHIJKLMNOP\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{"server.netbios_name", "16 bytes, at most 15"},
		},
		{
			name:    "no listener",
			toml:    "[server]\nnetbt_listen = \"\"\ndirect_listen = \"\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{"nothing to serve on"},
		},
		{
			name:    "bad listen address",
			toml:    "[server]\ndirect_listen = \"445\"\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{`server.direct_listen "445": want HOST:PORT`},
		},
		{
			name:    "max message size out of range",
			toml:    "[server]\nmax_message_size = 100\n[[shares]]\nname = \"s\"\npath = \"mem:\"\n",
			wantErr: []string{"server.max_message_size 100"},
		},
		{
			name:    "all errors at once",
			toml:    "[server]\nnetbios_name = \"ABCDEFGHIJKLMNOP\"\n[[users]]\nname = \"u\"\nnt_hash = \"x\"\n",
			wantErr: []string{"netbios_name", "nt_hash", "no shares"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, err := parseConfig([]byte(tt.toml))
			if err == nil {
				err = fc.validate()
			}
			var cfg server.Config
			opened := map[string]afero.Fs{}
			if err == nil {
				cfg, err = fc.serverConfig(fakeOpen(opened))
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				tt.check(t, cfg, opened)
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "tinysmbd.toml")
	if err := os.WriteFile(cfgFile, []byte(goodConfig), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, fc fileConfig)
	}{
		{
			name: "no config, no flags: in-memory public share",
			args: nil,
			check: func(t *testing.T, fc fileConfig) {
				if fc.Server.NetBTListen != "0.0.0.0:139" || fc.Server.DirectListen != "0.0.0.0:445" {
					t.Errorf("listen = %q, %q", fc.Server.NetBTListen, fc.Server.DirectListen)
				}
				want := []shareSection{{Name: "public", Path: memPath, GuestOK: true}}
				if !reflect.DeepEqual(fc.Shares, want) {
					t.Errorf("shares = %+v, want %+v", fc.Shares, want)
				}
			},
		},
		{
			name: "listen flags keep the default share",
			args: []string{"-netbt", "127.0.0.1:1139", "-direct", "127.0.0.1:1445", "-v"},
			check: func(t *testing.T, fc fileConfig) {
				if fc.Server.NetBTListen != "127.0.0.1:1139" || fc.Server.DirectListen != "127.0.0.1:1445" {
					t.Errorf("listen = %q, %q", fc.Server.NetBTListen, fc.Server.DirectListen)
				}
				if len(fc.Shares) != 1 || fc.Shares[0].Name != "public" {
					t.Errorf("shares = %+v", fc.Shares)
				}
			},
		},
		{
			name: "share and user flags",
			args: []string{"-share", "a=mem:", "-share", "b=/tmp/b", "-user", "alice:pa:ss", "-netbt", ""},
			check: func(t *testing.T, fc fileConfig) {
				if fc.Server.NetBTListen != "" {
					t.Errorf("-netbt \"\" did not disable: %q", fc.Server.NetBTListen)
				}
				// A user exists, so the shares are logon only.
				if len(fc.Shares) != 2 || fc.Shares[0].Name != "a" || fc.Shares[1].Path != "/tmp/b" ||
					fc.Shares[0].GuestOK || fc.Shares[1].GuestOK || fc.Shares[1].ReadOnly {
					t.Errorf("shares = %+v", fc.Shares)
				}
				if len(fc.Users) != 1 || fc.Users[0].Name != "alice" || *fc.Users[0].Password != "pa:ss" {
					t.Errorf("users = %+v", fc.Users)
				}
			},
		},
		{
			name: "flags override config",
			args: []string{"-config", cfgFile, "-direct", "127.0.0.1:1445", "-share", "PUBLIC=mem:", "-user", "ALICE:new", "-guest"},
			check: func(t *testing.T, fc fileConfig) {
				if fc.Server.NetBTListen != "127.0.0.1:1139" || fc.Server.DirectListen != "127.0.0.1:1445" {
					t.Errorf("listen = %q, %q", fc.Server.NetBTListen, fc.Server.DirectListen)
				}
				if len(fc.Shares) != 2 || fc.Shares[0].Name != "PUBLIC" || fc.Shares[0].Path != memPath ||
					fc.Shares[0].ReadOnly {
					t.Errorf("shares = %+v", fc.Shares)
				}
				if !fc.Shares[1].GuestOK {
					t.Errorf("-guest did not open %q", fc.Shares[1].Name)
				}
				if len(fc.Users) != 3 || fc.Users[0].Name != "ALICE" || *fc.Users[0].Password != "new" {
					t.Errorf("users = %+v", fc.Users)
				}
			},
		},
		{
			name: "config file alone adds no default share",
			args: []string{"-config", cfgFile},
			check: func(t *testing.T, fc fileConfig) {
				if len(fc.Shares) != 2 {
					t.Errorf("shares = %+v", fc.Shares)
				}
			},
		},
		{name: "bad -share", args: []string{"-share", "nopath"}, wantErr: "want NAME=PATH"},
		{name: "bad -user", args: []string{"-user", "nopass"}, wantErr: "want NAME:PASSWORD"},
		{name: "missing config", args: []string{"-config", filepath.Join(dir, "nope.toml")}, wantErr: "nope.toml"},
		{name: "both listeners off", args: []string{"-netbt", "", "-direct", ""}, wantErr: "nothing to serve on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			o, err := parseFlags(tt.args, &stderr)
			if err != nil {
				t.Fatalf("parseFlags: %v\n%s", err, stderr.String())
			}
			fc, err := buildConfig(o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, fc)
		})
	}
}

func TestConfigFileErrorNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("[server]\nbogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfigFile(path)
	if err == nil || !strings.Contains(err.Error(), path+": line 2: unknown key \"server.bogus\"") {
		t.Fatalf("err = %v", err)
	}
}

// TestFirmwareConfig keeps the shipped default config loadable.
func TestFirmwareConfig(t *testing.T) {
	fc, err := loadConfigFile("../../firmware/tinysmbd.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := fc.validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRunUsageAndVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-version"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "tinysmbd ") {
		t.Errorf("-version: code %d, stdout %q", code, stdout.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-nosuchflag"}, &stdout, &stderr); code != 2 {
		t.Errorf("bad flag: code %d", code)
	}
	stderr.Reset()
	if code := run([]string{"-share", "x"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "configuration error") {
		t.Errorf("bad config: code %d, stderr %q", code, stderr.String())
	}
}
