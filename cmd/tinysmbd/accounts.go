package main

// run_as and control_group name users and groups of the device's own
// account files. tinysmbd reads /etc/passwd and /etc/group itself instead
// of using os/user: a static firmware binary has no NSS to ask anyway (the
// pure Go os/user reads the same two files), and os/user costs about 33 KB
// of a stripped linux/mipsle binary. The files are passwd(5) and group(5);
// as glibc does, blank lines, comments and NIS compat entries ("+", "-")
// are skipped, and so are lines too short or with a non-numeric id.

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
)

// passwdFile and groupFile are the account files; tests point them at
// fixtures.
var (
	passwdFile = "/etc/passwd"
	groupFile  = "/etc/group"
)

// entry is one line of an account file: a passwd(5) entry
// (name:password:UID:GID:GECOS:home:shell), where id is the UID, or a
// group(5) entry (name:password:GID:members), where id is the GID.
type entry struct {
	name    string
	id      int
	gid     int      // passwd: the primary group
	members []string // group: the user names listed
}

// parseEntries returns the entries of a passwd or group file: lines with
// at least min fields, a name, and numbers in the fields idFields lists
// (the first is the entry's id).
func parseEntries(data string, min int, idFields ...int) []entry {
	var es []entry
next:
	for line := range strings.SplitSeq(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) < min || f[0] == "" {
			continue
		}
		var ids []int
		for _, i := range idFields {
			n, err := strconv.Atoi(f[i])
			if err != nil {
				continue next
			}
			ids = append(ids, n)
		}
		e := entry{name: f[0], id: ids[0]}
		if len(ids) > 1 {
			e.gid = ids[1]
		}
		if min == 3 && len(f) > 3 && f[3] != "" {
			e.members = strings.Split(f[3], ",")
		}
		es = append(es, e)
	}
	return es
}

func parseAccounts(passwd string) []entry { return parseEntries(passwd, 4, 2, 3) }

func parseGroups(group string) []entry { return parseEntries(group, 3, 2) }

// find looks name up by name, then, when it is a number, by id, as
// os/user's Lookup and LookupId (or LookupGroup and LookupGroupId) would
// in turn. what ("user" or "group") names the kind in the error.
func find(es []entry, name, what string) (entry, error) {
	for _, e := range es {
		if e.name == name {
			return e, nil
		}
	}
	if n, err := strconv.Atoi(name); err == nil {
		for _, e := range es {
			if e.id == n {
				return e, nil
			}
		}
	}
	return entry{}, errors.New("unknown " + what + " " + name)
}

// findAccount looks a user up in passwd data.
func findAccount(passwd, name string) (entry, error) {
	return find(parseAccounts(passwd), name, "user")
}

// findGroup looks a group up in group data.
func findGroup(group, name string) (entry, error) {
	return find(parseGroups(group), name, "group")
}

// groupsOf returns a's primary group followed by every other group whose
// member list names a, each once: the groups login(1) gives a user.
func groupsOf(group string, a entry) []int {
	ids := []int{a.gid}
	for _, g := range parseGroups(group) {
		if slices.Contains(ids, g.id) {
			continue
		}
		if slices.Contains(g.members, a.name) {
			ids = append(ids, g.id)
		}
	}
	return ids
}

// readAccountFile reads passwdFile or groupFile.
func readAccountFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
