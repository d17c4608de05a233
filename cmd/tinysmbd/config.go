package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/server"
	"github.com/tinysmbd/tinysmbd/vfs"
)

// memPath is the share path that selects an in-memory file system instead of
// a directory. A directory really called "mem:" is reachable as "./mem:".
const memPath = "mem:"

// Defaults of the [server] table; documented in docs/configuration.md.
const (
	defaultNetBIOSName = "TINYSMBD"
	defaultWorkgroup   = "WORKGROUP"
	defaultNetBTListen = "0.0.0.0:139"
	defaultDirect      = "0.0.0.0:445"
	// defaultMaxMessage is the largest NetBT session message, the 4-byte
	// header not counted (RFC 1002 4.3.1: 17-bit length).
	defaultMaxMessage = 0x1FFFF
	// minMaxMessage keeps room for a NEGOTIATE exchange and a useful
	// READ_ANDX; server.New refuses less.
	minMaxMessage = 4096
	// maxMaxMessage is the direct-TCP ceiling: a 24-bit length after a zero
	// byte (MS-CIFS 2.1.1.2).
	maxMaxMessage = 0xFFFFFF
)

// emptyNTHash is MD4 of the empty UTF-16LE string. server.User uses NTHash
// when Password is empty, so an explicitly empty password is stored as its
// hash to keep it distinguishable from "no credentials".
var emptyNTHash = [16]byte{
	0x31, 0xd6, 0xcf, 0xe0, 0xd1, 0x6a, 0xe9, 0x31,
	0xb7, 0x3c, 0x59, 0xd7, 0xe0, 0xc0, 0x89, 0xc0,
}

// fileConfig is the TOML schema of tinysmbd's config file, and also the
// single place flags are merged into before validation, so both sources obey
// the same rules.
type fileConfig struct {
	Server serverSection  `toml:"server"`
	Users  []userSection  `toml:"users"`
	Groups []groupSection `toml:"groups"`
	Shares []shareSection `toml:"shares"`

	// src is the config file's text, for the line numbers of errors
	// found after decoding (access.go).
	src []byte
}

type serverSection struct {
	NetBIOSName          string   `toml:"netbios_name"`
	Workgroup            string   `toml:"workgroup"`
	NetBTListen          string   `toml:"netbt_listen"`
	DirectListen         string   `toml:"direct_listen"`
	NBNSListen           string   `toml:"nbns_listen"`
	Interfaces           []string `toml:"interfaces"`
	NetBIOSAliases       []string `toml:"netbios_aliases"`
	Browse               *bool    `toml:"browse"` // nil: absent, on when nbns_listen is set
	ServerComment        string   `toml:"server_comment"`
	NTLMv1               bool     `toml:"ntlmv1"`
	ServerSigning        string   `toml:"server_signing"` // "auto", "mandatory", "disabled"; "" is auto
	CoalesceSessionSetup bool     `toml:"coalesce_session_setup"`
	StrictCalledName     bool     `toml:"strict_called_name"`
	Sendfile             bool     `toml:"sendfile"`
	MaxMessageSize       int      `toml:"max_message_size"`
	limitKeys
	// RunAs is "user" or "user:group": the identity tinysmbd switches to
	// once its sockets are bound (privilege.go); "" keeps the starting one.
	RunAs string `toml:"run_as"`
	// ControlSocket is nil when absent: the default path, where a failure
	// to listen is only a warning (see startControl).
	ControlSocket *string `toml:"control_socket"`
	ControlGroup  string  `toml:"control_group"`
	MemoryLimit   string  `toml:"memory_limit"`
}

// groupSection is one [[groups]]: a name that share lists use as "@name".
type groupSection struct {
	Name    string   `toml:"name"`
	Members []string `toml:"members"`
}

// userSection holds pointers so that an absent key and an empty value differ:
// `password = ""` is a real (empty) password, a missing one is not.
type userSection struct {
	Name     string  `toml:"name"`
	Password *string `toml:"password"`
	NTHash   *string `toml:"nt_hash"`
}

type shareSection struct {
	Name       string   `toml:"name"`
	Path       string   `toml:"path"`
	ReadOnly   bool     `toml:"read_only"`
	GuestOK    bool     `toml:"guest_ok"`
	Comment    string   `toml:"comment"`
	ValidUsers []string `toml:"valid_users"`
	ReadUsers  []string `toml:"read_users"`
	WriteUsers []string `toml:"write_users"`

	// table is the share's 1-based place among the file's [[shares]]
	// tables; 0 for a share from -share.
	table int
}

// defaultFileConfig returns the settings used for every key a config file
// leaves out. TOML decoding keeps fields whose keys are absent, so decoding
// over this value applies the defaults while an explicit "" still disables a
// listener.
func defaultFileConfig() fileConfig {
	return fileConfig{Server: serverSection{
		NetBIOSName:    defaultNetBIOSName,
		Workgroup:      defaultWorkgroup,
		NetBTListen:    defaultNetBTListen,
		DirectListen:   defaultDirect,
		MaxMessageSize: defaultMaxMessage,
	}}
}

// loadConfigFile reads and parses the config file at path.
func loadConfigFile(path string) (fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return fileConfig{}, err
	}
	fc, err := parseConfig(data)
	if err != nil {
		return fileConfig{}, prefixErrors(path+": ", err)
	}
	return fc, nil
}

// prefixErrors puts prefix before each error joined in err, so every line
// of a multi-error message names the file.
func prefixErrors(prefix string, err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s%w", prefix, err)
	}
	var errs []error
	for _, e := range j.Unwrap() {
		errs = append(errs, fmt.Errorf("%s%w", prefix, e))
	}
	return errors.Join(errs...)
}

// parseConfig decodes a config file over the defaults. Unknown keys are an
// error rather than ignored, because a misspelt key (say "read_ony") would
// otherwise silently leave a share writable.
func parseConfig(data []byte) (fileConfig, error) {
	fc := defaultFileConfig()
	md, err := toml.Decode(string(data), &fc)
	if err != nil {
		return fileConfig{}, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fileConfig{}, unknownKeysError(data, und)
	}
	fc.src = data
	for i := range fc.Shares {
		fc.Shares[i].table = i + 1
	}
	return fc, nil
}

// unknownKeysError names each unknown key with its line. toml.MetaData keeps
// key positions private, so lines are found by rescanning the text; a key
// whose line cannot be found is still named. Keys inside an unknown table are
// not repeated.
func unknownKeysError(data []byte, keys []toml.Key) error {
	var errs []error
	seen := map[string]bool{}
	var reported []toml.Key
outer:
	for _, k := range keys {
		for _, r := range reported {
			if len(k) > len(r) && keyEqual(k[:len(r)], r) {
				continue outer
			}
		}
		if seen[k.String()] {
			continue
		}
		seen[k.String()] = true
		reported = append(reported, k)
		if line := keyLine(data, k); line > 0 {
			errs = append(errs, fmt.Errorf("line %d: unknown key %q", line, k.String()))
		} else {
			errs = append(errs, fmt.Errorf("unknown key %q", k.String()))
		}
	}
	return errors.Join(errs...)
}

func keyEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// keyLine returns the 1-based line where key k is first defined, or 0. It
// understands table headers, array-of-table headers and dotted keys, which
// covers everything this schema can contain; it is only used for messages.
func keyLine(data []byte, k toml.Key) int {
	var table []string
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			end := strings.LastIndexByte(line, ']')
			if end < 0 {
				continue
			}
			table = splitKey(strings.Trim(line[:end+1], "[]"))
			if keyEqual(table, k) {
				return i + 1
			}
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			continue
		}
		full := append(append([]string(nil), table...), splitKey(line[:eq])...)
		if keyEqual(full, k) {
			return i + 1
		}
	}
	return 0
}

// splitKey splits a dotted TOML key into its parts, dropping the quotes of
// quoted parts. Dots inside quotes are not special-cased: good enough for
// locating keys in error messages.
func splitKey(s string) []string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return parts
}

// validate checks the merged settings and normalises the NetBIOS names to
// upper case. It reports every problem at once so a config is fixed in one
// edit.
func (fc *fileConfig) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	s := &fc.Server
	s.NetBIOSName = strings.ToUpper(s.NetBIOSName)
	s.Workgroup = strings.ToUpper(s.Workgroup)
	// RFC 1001 14.1: a NetBIOS name is 16 bytes, the last being the suffix
	// (0x20 for the file server), which leaves 15 for the name itself.
	if err := checkNetBIOSName(s.NetBIOSName); err != nil {
		bad("server.netbios_name %q: %v", s.NetBIOSName, err)
	}
	if err := checkNetBIOSName(s.Workgroup); err != nil {
		bad("server.workgroup %q: %v", s.Workgroup, err)
	}
	aliasIdx := map[string]int{}
	for i, a := range s.NetBIOSAliases {
		a = strings.ToUpper(a)
		s.NetBIOSAliases[i] = a
		if err := checkNetBIOSName(a); err != nil {
			bad("server.netbios_aliases[%d] %q: %v", i, a, err)
		}
		if j, dup := aliasIdx[a]; dup || a == s.NetBIOSName {
			where := "server.netbios_name"
			if dup {
				where = fmt.Sprintf("server.netbios_aliases[%d]", j)
			}
			bad("server.netbios_aliases[%d] %q: already given as %s", i, a, where)
		}
		aliasIdx[a] = i
	}
	for i, ifc := range s.Interfaces {
		if strings.TrimSpace(ifc) == "" {
			bad("server.interfaces[%d] is empty: want an interface name or an IPv4 address", i)
		}
	}
	for _, l := range []struct{ key, addr string }{
		{"netbt_listen", s.NetBTListen},
		{"direct_listen", s.DirectListen},
		{"nbns_listen", s.NBNSListen},
	} {
		if l.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(l.addr); err != nil {
			bad("server.%s %q: want HOST:PORT: %v", l.key, l.addr, err)
		} else if err := checkListenAddr(l.addr); err != nil && l.key != "nbns_listen" {
			bad("server.%s %q: %v", l.key, l.addr, err)
		}
	}
	if err := checkRunAs(s.RunAs); err != nil {
		bad("server.run_as %q: %v", s.RunAs, err)
	}
	if s.NetBTListen == "" && s.DirectListen == "" {
		bad("server.netbt_listen and server.direct_listen are both empty: nothing to serve on")
	}
	if _, ok := signingMode(s.ServerSigning); !ok {
		bad("server.server_signing %q: want \"auto\", \"mandatory\" or \"disabled\"", s.ServerSigning)
	}
	if s.MaxMessageSize < minMaxMessage || s.MaxMessageSize > maxMaxMessage {
		bad("server.max_message_size %d: must be between %d and %d", s.MaxMessageSize, minMaxMessage, maxMaxMessage)
	}
	s.limitKeys.validate(bad)
	if err := s.validateOps(); err != nil {
		errs = append(errs, err)
	}

	userIdx := map[string]int{}
	for i, u := range fc.Users {
		where := fmt.Sprintf("users[%d]", i)
		if u.Name == "" {
			bad("%s: name is empty", where)
			continue
		}
		where = fmt.Sprintf("user %q", u.Name)
		if j, dup := userIdx[strings.ToLower(u.Name)]; dup {
			bad("%s: duplicate name (names are case-insensitive; first defined as users[%d])", where, j)
		}
		userIdx[strings.ToLower(u.Name)] = i
		switch {
		case u.Password != nil && u.NTHash != nil:
			bad("%s: set password or nt_hash, not both", where)
		case u.Password == nil && u.NTHash == nil:
			bad("%s: needs password or nt_hash", where)
		case u.NTHash != nil:
			if _, err := parseNTHash(*u.NTHash); err != nil {
				bad("%s: nt_hash: %v", where, err)
			}
		}
	}

	if len(fc.Shares) == 0 {
		bad("no shares: add a [[shares]] table or -share NAME=PATH")
	}
	shareIdx := map[string]int{}
	for i, sh := range fc.Shares {
		where := fmt.Sprintf("shares[%d]", i)
		if err := checkShareName(sh.Name); err != nil {
			bad("%s: name %q: %v", where, sh.Name, err)
			continue
		}
		where = fmt.Sprintf("share %q", sh.Name)
		if j, dup := shareIdx[strings.ToLower(sh.Name)]; dup {
			bad("%s: duplicate name (names are case-insensitive; first defined as shares[%d])", where, j)
		}
		shareIdx[strings.ToLower(sh.Name)] = i
		if sh.Path == "" {
			bad("%s: path is empty (use %q for an in-memory share)", where, memPath)
		}
	}
	errs = append(errs, fc.validateAccess()...)
	return errors.Join(errs...)
}

func checkNetBIOSName(n string) error {
	switch {
	case n == "":
		return errors.New("empty")
	case len(n) > 15:
		return fmt.Errorf("%d bytes, at most 15 allowed", len(n))
	case n[0] == '*':
		return errors.New("must not start with '*' (reserved for wildcard queries)")
	}
	for i := 0; i < len(n); i++ {
		if n[i] < 0x20 || n[i] > 0x7e {
			return errors.New("only printable ASCII allowed")
		}
	}
	return nil
}

// checkShareName rejects names clients cannot put in a UNC path or that
// collide with the server's own IPC$ tree.
func checkShareName(n string) error {
	switch {
	case n == "":
		return errors.New("empty")
	case len(n) > 80:
		return errors.New("longer than 80 bytes")
	case strings.EqualFold(n, "IPC$"):
		return errors.New("reserved for the server's IPC$ tree")
	}
	for _, r := range n {
		if r < 0x20 || strings.ContainsRune(`"/\[]:|<>+=;,*?`, r) {
			return fmt.Errorf("contains %q", r)
		}
	}
	return nil
}

// signingMode maps server_signing to its server.SigningMode.
func signingMode(s string) (server.SigningMode, bool) {
	switch s {
	case "", "auto":
		return server.SigningAuto, true
	case "mandatory":
		return server.SigningMandatory, true
	case "disabled":
		return server.SigningDisabled, true
	}
	return 0, false
}

// mustSigningMode is signingMode for a value validate accepted.
func mustSigningMode(s string) server.SigningMode {
	m, _ := signingMode(s)
	return m
}

// parseNTHash decodes 32 hex digits, the usual notation of an NT hash
// (MS-NLMP 3.3.1 NTOWFv1: MD4 of the UTF-16LE password).
func parseNTHash(s string) ([16]byte, error) {
	var h [16]byte
	if len(s) != 32 {
		return h, fmt.Errorf("want 32 hex digits, got %d characters", len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, errors.New("want 32 hex digits: " + err.Error())
	}
	return h, nil
}

// fsOpener turns a share path into its file system; tests substitute one that
// does not touch the disk.
type fsOpener func(path string) (afero.Fs, error)

// openShareFs opens "mem:" as an empty in-memory tree and anything else as a
// directory confined with os.Root, so symlinks cannot leave the share.
func openShareFs(path string) (afero.Fs, error) {
	if path == memPath {
		return afero.NewMemMapFs(), nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return vfs.NewRootFs(abs)
}

// serverConfig converts validated settings into a server.Config, opening
// every share's file system. It must run after validate.
func (fc *fileConfig) serverConfig(open fsOpener) (server.Config, error) {
	s := fc.Server
	cfg := server.Config{
		NetBIOSName:          s.NetBIOSName,
		Workgroup:            s.Workgroup,
		NetBTListen:          s.NetBTListen,
		DirectListen:         s.DirectListen,
		NBNSListen:           s.NBNSListen,
		Interfaces:           s.Interfaces,
		NetBIOSAliases:       s.NetBIOSAliases,
		Browse:               s.NBNSListen != "" && server.BrowseBuilt,
		ServerComment:        s.ServerComment,
		NTLMv1:               s.NTLMv1,
		Signing:              mustSigningMode(s.ServerSigning),
		CoalesceSessionSetup: s.CoalesceSessionSetup,
		StrictCalledName:     s.StrictCalledName,
		MaxMessageSize:       s.MaxMessageSize,
		Sendfile:             s.Sendfile,
	}
	s.limitKeys.apply(&cfg)
	// Announcements come with the name service unless the binary was
	// built without them; browse = true in such a binary is refused by
	// server.New, not ignored.
	if s.Browse != nil {
		cfg.Browse = *s.Browse
	}
	for _, u := range fc.Users {
		su := server.User{Name: u.Name}
		switch {
		case u.NTHash != nil:
			h, err := parseNTHash(*u.NTHash)
			if err != nil {
				return server.Config{}, fmt.Errorf("user %q: nt_hash: %w", u.Name, err)
			}
			su.NTHash = h
		case u.Password != nil && *u.Password == "":
			su.NTHash = emptyNTHash
		case u.Password != nil:
			su.Password = *u.Password
		}
		cfg.Users = append(cfg.Users, su)
	}
	for _, sh := range fc.Shares {
		fs, err := open(sh.Path)
		if err != nil {
			return server.Config{}, fmt.Errorf("share %q: %w", sh.Name, err)
		}
		cfg.Shares = append(cfg.Shares, server.Share{
			Name:       sh.Name,
			Fs:         fs,
			ReadOnly:   sh.ReadOnly,
			GuestOK:    sh.GuestOK,
			Comment:    sh.Comment,
			ValidUsers: sh.ValidUsers,
			ReadUsers:  sh.ReadUsers,
			WriteUsers: sh.WriteUsers,
		})
	}
	for _, g := range fc.Groups {
		cfg.Groups = append(cfg.Groups, server.Group{Name: g.Name, Members: g.Members})
	}
	return cfg, nil
}
