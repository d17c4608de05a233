package main

import (
	"errors"
	"fmt"
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

// lookupRunAs resolves run_as through /etc/passwd and /etc/group
// (accounts.go). A bare user gets the primary group and every
// supplementary group the group file gives it, as login(1) would;
// "user:group" gets that group alone. A name may also be a numeric id
// known to those files.
func lookupRunAs(spec string) (identity, error) {
	name, group, hasGroup := strings.Cut(spec, ":")
	passwd, err := readAccountFile(passwdFile)
	if err != nil {
		return identity{}, fmt.Errorf("run_as %q: %w", spec, err)
	}
	a, err := findAccount(passwd, name)
	if err != nil {
		return identity{}, fmt.Errorf("run_as %q: %w", spec, err)
	}
	groups, err := readAccountFile(groupFile)
	if err != nil {
		return identity{}, fmt.Errorf("run_as %q: %w", spec, err)
	}
	id := identity{uid: a.id, gid: a.gid}
	if hasGroup {
		g, err := findGroup(groups, group)
		if err != nil {
			return identity{}, fmt.Errorf("run_as %q: %w", spec, err)
		}
		id.gid, id.groups = g.id, []int{g.id}
	} else {
		id.groups = groupsOf(groups, a)
	}
	return id, nil
}
