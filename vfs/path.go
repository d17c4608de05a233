package vfs

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"unicode/utf16"

	"github.com/spf13/afero"

	"github.com/tinysmbd/tinysmbd/smb"
)

// maxNameUnits is the longest path component Windows accepts, in UTF-16
// code units (MS-FSCC 2.1.5: a file name component is at most 255).
const maxNameUnits = 255

// CleanPath turns a path as an SMB client sends it into the slash path the
// Fs uses: "\dir\sub\file" becomes "/dir/sub/file" and "" or "\" becomes
// "/". Both "\" and "/" separate components and repeated separators count as
// one. It fails with an smb.NTStatus the way Windows does (the expectations
// of Samba's raw.chkpath torture test):
//
//   - ".." removes the previous component; climbing above the share root is
//     StatusObjectPathSyntaxBad, so "..\..\etc\passwd" never leaves the share.
//   - "." is not skipped: as the last component it is
//     StatusObjectNameInvalid, before further components
//     StatusObjectPathNotFound.
//   - Control characters, the wildcards *?<>" and the characters : and | are
//     StatusObjectNameInvalid (":" would name an alternate data stream, which
//     is not supported), as is a component longer than 255 UTF-16 units.
func CleanPath(smbPath string) (string, error) {
	comps, err := splitComponents(smbPath, false)
	if err != nil {
		return "", err
	}
	return joinComponents(comps), nil
}

// SplitPattern splits a FIND/SEARCH path such as "\dir\*.txt" into the
// cleaned directory ("/dir") and the last component ("*.txt"), which may hold
// the wildcards *?<>". The directory part follows CleanPath's rules; the
// pattern may also be "." or "..", which then match the entries List
// synthesizes. A path without components yields ("/", "").
func SplitPattern(smbPath string) (dir, pattern string, err error) {
	end := len(smbPath)
	for end > 0 && isSep(smbPath[end-1]) {
		end--
	}
	start := end
	for start > 0 && !isSep(smbPath[start-1]) {
		start--
	}
	pattern = smbPath[start:end]
	if err := checkComponent(pattern, true); err != nil {
		return "", "", err
	}
	dir, err = CleanPath(smbPath[:start])
	if err != nil {
		return "", "", err
	}
	return dir, pattern, nil
}

func isSep(c byte) bool { return c == '\\' || c == '/' }

func splitComponents(p string, wildLast bool) ([]string, error) {
	var comps []string
	for i := 0; i < len(p); {
		for i < len(p) && isSep(p[i]) {
			i++
		}
		j := i
		for j < len(p) && !isSep(p[j]) {
			j++
		}
		if i == j {
			break
		}
		c := p[i:j]
		last := true
		for k := j; k < len(p); k++ {
			if !isSep(p[k]) {
				last = false
				break
			}
		}
		i = j
		switch c {
		case "..":
			if len(comps) == 0 {
				return nil, smb.StatusObjectPathSyntaxBad
			}
			comps = comps[:len(comps)-1]
			continue
		case ".":
			if last {
				return nil, smb.StatusObjectNameInvalid
			}
			return nil, smb.StatusObjectPathNotFound
		}
		if err := checkComponent(c, wildLast && last); err != nil {
			return nil, err
		}
		comps = append(comps, c)
	}
	return comps, nil
}

// checkComponent applies MS-FSCC 2.1.5.2's list of characters a file name
// may not contain; wildcards are allowed only where a search pattern is.
func checkComponent(c string, wild bool) error {
	units := 0
	for _, r := range c {
		switch {
		case r < 0x20, r == ':', r == '|':
			return smb.StatusObjectNameInvalid
		case r == '*', r == '?', r == '<', r == '>', r == '"':
			if !wild {
				return smb.StatusObjectNameInvalid
			}
		}
		units += utf16.RuneLen(r)
	}
	if units > maxNameUnits {
		return smb.StatusObjectNameInvalid
	}
	return nil
}

func joinComponents(comps []string) string {
	if len(comps) == 0 {
		return "/"
	}
	return "/" + strings.Join(comps, "/")
}

// Resolve finds the file a clean path (see CleanPath) names on a
// case-sensitive fs the way a Windows client expects: each component is
// looked up exactly first, and otherwise by a case-insensitive scan of its
// parent (strings.EqualFold; when several names differ only in case, the
// smallest in byte order wins), and last as the 8.3 short name of an entry
// (Mangle). It returns the path as stored.
//
// When only the last component is missing, Resolve returns the resolved
// parent joined with the last component as given, together with
// StatusObjectNameNotFound, so a caller that means to create the file can
// use the path. A missing or non-directory parent is
// StatusObjectPathNotFound, as Windows distinguishes the two. A name that
// leads out of the share through a symlink (refused by RootFs or by the
// jail NewShare puts around an OS-backed Fs) counts as missing, as Samba
// 4.17 answers with its default "wide links = no": the client learns
// nothing about what lies outside. Other failures are mapped with
// StatusFromError.
func Resolve(fsys afero.Fs, p string) (actual string, err error) {
	actual, _, err = resolve(fsys, p)
	return actual, err
}

// resolve is Resolve that also returns the FileInfo of what it found.
func resolve(fsys afero.Fs, p string) (string, os.FileInfo, error) {
	return resolveIn(fsys, nil, nil, p)
}

// resolveIn is resolve with a Share's directory name index (nil: scan)
// and its cache of the long names behind short names handed out (nil:
// none). A missing last component that is such a short name resolves to
// the long name it stood for, so a create by short name recreates it.
func resolveIn(fsys afero.Fs, names *nameCache, shorts *mangleCache, p string) (string, os.FileInfo, error) {
	fi, err := fsys.Stat(p)
	if err == nil {
		return p, fi, nil
	}
	if !missing(err) {
		return p, nil, StatusFromError(err)
	}
	if p == "/" {
		return p, nil, smb.StatusObjectPathNotFound
	}
	comps := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	var curFi os.FileInfo
	for i, c := range comps {
		last := i == len(comps)-1
		next := joinPath(cur, c)
		fi, err = fsys.Stat(next)
		if missing(err) {
			next, fi, err = names.foldLookup(fsys, cur, curFi, c)
		}
		switch {
		case err == nil:
		case !missing(err):
			return p, nil, StatusFromError(err)
		case last:
			if shorts != nil && IsMangled(c) {
				if long, ok := shorts.lookup(c); ok {
					c = long
				}
			}
			return joinPath(cur, c), nil, smb.StatusObjectNameNotFound
		default:
			return p, nil, smb.StatusObjectPathNotFound
		}
		if !last && !fi.IsDir() {
			return p, nil, smb.StatusObjectPathNotFound
		}
		cur, curFi = next, fi
	}
	return cur, fi, nil
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// missing reports whether err means the name is not there for the client:
// it does not exist, or it is a symlink that leads out of the share.
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || isEscape(err)
}
