package main

// Who may use a share: the [[groups]] tables, the valid_users, read_users
// and write_users keys of [[shares]], and the options of -share.

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// validateAccess checks the groups and every share's lists against the
// accounts. Names are those of [[users]] and -user, compared
// case-insensitively, or "@name" for a [[groups]] table; tinysmbd never
// asks the operating system. Each error names the line of the key in the
// config file, or the -share flag it came from.
func (fc *fileConfig) validateAccess() []error {
	var errs []error
	users := map[string]bool{}
	for _, u := range fc.Users {
		users[strings.ToLower(u.Name)] = true
	}
	groups := map[string]int{}
	for i, g := range fc.Groups {
		at := fc.at("groups", g.table, "name")
		if g.Name == "" || strings.ContainsAny(g.Name, "@ ") {
			errs = append(errs, fmt.Errorf("%sgroups[%d]: name %q: want a name without '@' or spaces", at, i, g.Name))
			continue
		}
		if j, dup := groups[strings.ToLower(g.Name)]; dup {
			errs = append(errs, fmt.Errorf("%sgroup %q: duplicate name (names are case-insensitive; first defined as groups[%d])", at, g.Name, j))
		}
		groups[strings.ToLower(g.Name)] = i
		for _, m := range g.Members {
			if !users[strings.ToLower(m)] {
				errs = append(errs, fmt.Errorf("%sgroup %q: members: no user %q (members are [[users]] names)", fc.at("groups", g.table, "members"), g.Name, m))
			}
		}
	}
	for _, sh := range fc.Shares {
		if sh.GuestOK && len(sh.ValidUsers) > 0 {
			errs = append(errs, fmt.Errorf("%sshare %q: guest_ok with valid_users: a guest is on no list, so it could never connect; drop one of them", fc.at("shares", sh.table, "guest_ok"), sh.Name))
		}
		for _, l := range []struct {
			key, flag string
			names     []string
		}{
			{"valid_users", "users", sh.ValidUsers},
			{"read_users", "read", sh.ReadUsers},
			{"write_users", "write", sh.WriteUsers},
		} {
			for _, n := range l.names {
				var problem string
				if g, ok := strings.CutPrefix(n, "@"); ok {
					if _, ok := groups[strings.ToLower(g)]; !ok {
						problem = fmt.Sprintf("no group %q (groups are [[groups]] names)", g)
					}
				} else if !users[strings.ToLower(n)] {
					problem = fmt.Sprintf("no user %q (entries are [[users]] names, or \"@group\" for a [[groups]] table)", n)
				}
				if problem == "" {
					continue
				}
				if sh.table == 0 {
					errs = append(errs, fmt.Errorf("-share %s: %s=: %s", sh.Name, l.flag, problem))
				} else {
					errs = append(errs, fmt.Errorf("%sshare %q: %s: %s", fc.at("shares", sh.table, l.key), sh.Name, l.key, problem))
				}
			}
		}
	}
	return errs
}

// at is "line N: " for key of the n-th [[table]] of the config file, or ""
// when it cannot be found (a share from -share, a key left out).
func (fc *fileConfig) at(table string, n int, key string) string {
	if line := tableKeyLine(fc.src, table, n, key); line > 0 {
		return fmt.Sprintf("line %d: ", line)
	}
	return ""
}

// tableKeyLine returns the 1-based line of key in the n-th [[table]] of
// data, or that table's header line when the key is not there, or 0.
// Like keyLine it reads only as much TOML as this schema writes.
func tableKeyLine(data []byte, table string, n int, key string) int {
	count, header := 0, 0
	inside := false
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			if inside {
				break
			}
			if strings.TrimSpace(strings.Trim(line[:strings.LastIndexByte(line, ']')+1], "[]")) == table && strings.HasPrefix(line, "[[") {
				count++
				if count == n {
					inside, header = true, i+1
				}
			}
			continue
		}
		if k, _, ok := strings.Cut(line, "="); inside && ok && strings.Trim(strings.TrimSpace(k), `"'`) == key {
			return i + 1
		}
	}
	return header
}

// shareFlag parses -share NAME=PATH[,OPTION...]. The options are the
// comma-separated words after PATH that are options, read from the end, so
// a PATH holding a comma still works unless it ends in one of them:
//
//	ro            read-only
//	guest         guests may connect (guest_ok)
//	users=A+B     valid_users: only these may connect ("@group" allowed)
//	read=A+B      read_users
//	write=A+B     write_users
//
// guest reports whether the flag said guest; without it the share admits
// guests only when no user exists at all (see applyFlags).
func shareFlag(s string) (sh shareSection, guest bool, err error) {
	name, rest, ok := strings.Cut(s, "=")
	if !ok || name == "" || rest == "" {
		return sh, false, fmt.Errorf("-share %q: want NAME=PATH[,ro][,guest][,users=A+B][,read=A+B][,write=A+B]", s)
	}
	sh.Name = name
	for {
		i := strings.LastIndexByte(rest, ',')
		if i < 0 {
			break
		}
		opt := rest[i+1:]
		key, val, hasVal := strings.Cut(opt, "=")
		list := strings.Split(val, "+")
		switch {
		case opt == "ro":
			sh.ReadOnly = true
		case opt == "guest":
			guest = true
		case hasVal && key == "users":
			sh.ValidUsers = append(list, sh.ValidUsers...)
		case hasVal && key == "read":
			sh.ReadUsers = append(list, sh.ReadUsers...)
		case hasVal && key == "write":
			sh.WriteUsers = append(list, sh.WriteUsers...)
		default:
			// Not an option: the comma belongs to the path.
			i = -1
		}
		if i < 0 {
			break
		}
		if hasVal && val == "" {
			return sh, false, fmt.Errorf("-share %q: %s= names nobody", s, key)
		}
		rest = rest[:i]
	}
	if rest == "" {
		return sh, false, errors.New("-share " + s + ": PATH is empty")
	}
	sh.Path = rest
	return sh, guest, nil
}
