package main

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"strings"
)

// identity is the user, primary group and supplementary groups that run_as
// names, resolved to numbers.
type identity struct {
	uid, gid int
	groups   []int
}

// checkRunAs checks the form of run_as ("user" or "user:group"); whether
// the names exist is only known on the device, at start (lookupRunAs).
func checkRunAs(spec string) error {
	if spec == "" {
		return nil
	}
	u, g, hasGroup := strings.Cut(spec, ":")
	switch {
	case u == "":
		return errors.New(`want "user" or "user:group"`)
	case hasGroup && (g == "" || strings.Contains(g, ":")):
		return errors.New(`want "user" or "user:group"`)
	}
	return nil
}

// lookupRunAs resolves run_as through /etc/passwd and /etc/group (or NSS in
// a cgo build). A bare user gets the primary group and every supplementary
// group the group file gives it, as login(1) would; "user:group" gets that
// group alone. A name may also be a numeric id known to those files.
func lookupRunAs(spec string) (identity, error) {
	name, group, hasGroup := strings.Cut(spec, ":")
	u, err := user.Lookup(name)
	if _, unknown := err.(user.UnknownUserError); unknown && isNumber(name) {
		u, err = user.LookupId(name)
	}
	if err != nil {
		return identity{}, fmt.Errorf("run_as %q: %w", spec, err)
	}
	var id identity
	if id.uid, err = strconv.Atoi(u.Uid); err != nil {
		return identity{}, fmt.Errorf("run_as %q: uid %q: %w", spec, u.Uid, err)
	}
	gid := u.Gid
	var gids []string
	if hasGroup {
		g, err := user.LookupGroup(group)
		if _, unknown := err.(user.UnknownGroupError); unknown && isNumber(group) {
			g, err = user.LookupGroupId(group)
		}
		if err != nil {
			return identity{}, fmt.Errorf("run_as %q: %w", spec, err)
		}
		gid, gids = g.Gid, []string{g.Gid}
	} else if gids, err = u.GroupIds(); err != nil {
		return identity{}, fmt.Errorf("run_as %q: groups of %s: %w", spec, name, err)
	}
	if id.gid, err = strconv.Atoi(gid); err != nil {
		return identity{}, fmt.Errorf("run_as %q: gid %q: %w", spec, gid, err)
	}
	for _, s := range gids {
		n, err := strconv.Atoi(s)
		if err != nil {
			return identity{}, fmt.Errorf("run_as %q: gid %q: %w", spec, s, err)
		}
		id.groups = append(id.groups, n)
	}
	return id, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}
