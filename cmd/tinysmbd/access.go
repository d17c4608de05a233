package main

// Who may use a share: the [[groups]] tables, the valid_users, read_users
// and write_users keys of [[shares]], and the options of -share.

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// validateAccess checks the groups and every share's lists against the
// accounts. Names are those of [[users]] and -user, compared
// case-insensitively, or "@name" for a [[groups]] table; tinysmbd never
// asks the operating system. Each error names the line of the key in the
// config file, or the -share flag it came from.
func (fc *fileConfig) validateAccess() (errs []error) {
	bad := func(at, what, problem string) { errs = append(errs, errors.New(at+what+problem)) }
	for i, g := range fc.Groups {
		at, what := fc.at("groups", i+1, "name"), "group "+strconv.Quote(g.Name)+": "
		if g.Name == "" || strings.ContainsAny(g.Name, "@ ") || fc.known(g.Name, i) {
			bad(at, what, "empty, defined twice, or with '@' or spaces")
		}
		for _, m := range g.Members {
			if !fc.known(m, -1) {
				bad(at, what, "members: no user "+strconv.Quote(m))
			}
		}
	}
	for _, sh := range fc.Shares {
		what := "share " + strconv.Quote(sh.Name) + ": "
		if sh.GuestOK && len(sh.ValidUsers) > 0 {
			bad(fc.at("shares", sh.table, "guest_ok"), what, "guest_ok with valid_users: a guest is on no list")
		}
		for i, names := range [3][]string{sh.ValidUsers, sh.ReadUsers, sh.WriteUsers} {
			key := [3]string{"valid_users: ", "read_users: ", "write_users: "}[i]
			at := fc.at("shares", sh.table, key[:len(key)-2])
			if sh.table == 0 {
				at, what = "-share "+sh.Name+": ", ""
			}
			for _, n := range names {
				if g, ok := strings.CutPrefix(n, "@"); ok && !fc.known(g, len(fc.Groups)) || !ok && !fc.known(n, -1) {
					bad(at, what, key+"no [[users]] or @[[groups]] "+strconv.Quote(n))
				}
			}
		}
	}
	return errs
}

// known reports whether name is a user (groups < 0) or one of the first
// groups groups, compared case-insensitively.
func (fc *fileConfig) known(name string, groups int) bool {
	if groups < 0 {
		for _, u := range fc.Users {
			if strings.EqualFold(u.Name, name) {
				return true
			}
		}
		return false
	}
	for _, g := range fc.Groups[:groups] {
		if strings.EqualFold(g.Name, name) {
			return true
		}
	}
	return false
}

// at is "line N: " for key of the n-th [[table]] of the config file, or ""
// when it cannot be found (a share from -share, a key left out).
func (fc *fileConfig) at(table string, n int, key string) string {
	if line := tableKeyLine(fc.src, table, n, key); line > 0 {
		return "line " + strconv.Itoa(line) + ": "
	}
	return ""
}

// tableKeyLine returns the 1-based line of key in the n-th [[table]] of
// data, or that table's header line when keyLine does not find the key
// after it, or 0.
func tableKeyLine(data []byte, table string, n int, key string) int {
	hdr := []byte("[[" + table + "]]")
	off := 0
	for ; n > 0; n-- {
		i := bytes.Index(data[off:], hdr)
		if i < 0 {
			return 0
		}
		off += i + len(hdr)
	}
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	line := bytes.Count(data[:start], []byte("\n")) + 1
	if l := keyLine(data[start:], toml.Key{table, key}); l > 0 {
		return line + l - 1
	}
	return line
}

// shareFlag parses -share NAME=PATH[,OPTION...]. The options are
//
//	ro            read-only
//	guest         guests may connect (guest_ok)
//	users=A+B     valid_users: only these may connect ("@group" allowed)
//
// read_users and write_users need a config file.
// guest reports whether the flag said guest; without it the share admits
// guests only when no user exists at all (see applyFlags). Anything else
// after a comma is an error, so a misspelt option cannot pass unnoticed; a
// PATH with a comma needs a config file.
func shareFlag(s string) (sh shareSection, guest bool, err error) {
	name, rest, _ := strings.Cut(s, "=")
	opts := strings.Split(rest, ",")
	sh.Name, sh.Path = name, opts[0]
	for _, o := range opts[1:] {
		switch users, ok := strings.CutPrefix(o, "users="); {
		case o == "ro":
			sh.ReadOnly = true
		case o == "guest":
			guest = true
		case ok && users != "":
			sh.ValidUsers = append(sh.ValidUsers, strings.Split(users, "+")...)
		default:
			sh.Path = ""
		}
	}
	if name == "" || sh.Path == "" {
		return sh, false, errors.New("-share " + strconv.Quote(s) + ": want NAME=PATH[,ro][,guest][,users=A+B]")
	}
	return sh, guest, nil
}
