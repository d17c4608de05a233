package rap

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tinysmbd/tinysmbd/smb/dcerpc"
)

// Server is what the calls report about the server answering them.
type Server struct {
	// Name is the NetBIOS name; Domain the workgroup.
	Name, Domain string
	Comment      string
	// Type is the SV_TYPE_* bits of the server.
	Type                       uint32
	VersionMajor, VersionMinor uint8
	// User is the account of the session asking, for NetWkstaGetInfo.
	User string
	// Shares are the shares to list, in order, as srvsvc lists them.
	// Names ending in '$' other than IPC$ are left out: RAP clients
	// show every name they get.
	Shares []dcerpc.ShareInfo
	// Now is the time NetRemoteTOD reports.
	Now time.Time
}

// Data descriptors of the levels served (MS-RAP 2.5.6, 2.5.5, 2.5.9,
// 2.5.10).
const (
	descShare0  = "B13"
	descShare1  = "B13BWz"
	descServer0 = "B16"
	descServer1 = "B16BBDz"
	descWksta10 = "zzzBBzz"
	descTOD     = "DDBBBBWWBBWB"
)

// Serve answers the RAP request in the transaction parameters params about
// s and returns the reply's parameters and data. A request that cannot be
// parsed, for another API, or whose descriptors are not the API's gets
// ERROR_NOT_SUPPORTED, as Samba answers it (MS-RAP 3.2.5.1 suggests
// ERROR_INVALID_PARAMETER for a wrong ParamDesc); a level not served gets
// ERROR_INVALID_LEVEL.
func Serve(params []byte, s *Server) (rparams, data []byte) {
	data, status, words := serve(params, s)
	// MS-RAP 2.5.2: the status, converter 0, then the API's words, such
	// as the entries returned and available.
	rparams = []byte{byte(status), byte(status >> 8), 0, 0}
	for _, w := range words {
		rparams = append(rparams, byte(w), byte(w>>8))
	}
	return rparams, data
}

func serve(params []byte, s *Server) (data []byte, status uint16, words []int) {
	r, err := ParseRequest(params)
	if err != nil {
		return nil, ErrNotSupported, nil
	}
	pd := string(r.ParamDesc)
	var entries []entry
	var desc string
	enum := false
	switch {
	case r.API == NetShareEnum && pd == "WrLeh", r.API == NetShareGetInfo && pd == "zWrLh":
		enum = r.API == NetShareEnum
		desc = level(r.Level, descShare0, descShare1)
		for _, sh := range s.Shares {
			// A name longer than 12 characters does not fit B13
			// and is left out, as Samba leaves it. The share type
			// is STYPE_DISKTREE or STYPE_IPC, without the special
			// bit, in 16 bits.
			hidden := strings.HasSuffix(sh.Name, "$") && sh.Type&0xFFFF != dcerpc.STypeIPC
			if !hidden && utf8.RuneCountInString(sh.Name) <= 12 && (enum || strings.EqualFold(string(r.Name), sh.Name)) {
				entries = append(entries, entry{strs: [5]string{sh.Name, sh.Comment}, nums: [3]uint32{0, sh.Type & 0xFFFF}})
			}
		}
		if !enum && len(entries) == 0 && desc != "" {
			return nil, NERRNetNameNotFound, nil
		}
	case r.API == NetServerGetInfo && pd == "WrLh":
		desc = level(r.Level, descServer0, descServer1)
		entries = []entry{s.serverEntry()}
	case r.API == NetServerEnum2 && (pd == "WrLehDz" || pd == "WrLehDO"):
		enum = true
		desc = level(r.Level, descServer0, descServer1)
		entries = s.browse(r.Types, r.Name)
	case r.API == NetWkstaGetInfo && pd == "WrLh":
		if r.Level == 10 {
			desc = descWksta10
		}
		// wksta_info_10 (MS-RAP 2.5.9.2.2): computer, user,
		// workgroup, version, logon domain, other domains.
		entries = []entry{{strs: [5]string{s.Name, s.User, s.Domain, s.Domain},
			nums: [3]uint32{uint32(s.VersionMajor), uint32(s.VersionMinor)}}}
	case r.API == NetSessionEnum && pd == "WrLeh":
		// Sessions are not disclosed: the list is empty, as Samba
		// answers a user who is not an administrator.
		return nil, Success, []int{0, 0}
	case r.API == NetRemoteTOD && pd == "rL" && string(r.DataDesc) == descTOD:
		if r.BufLen < 21 {
			return nil, ErrMoreData, nil
		}
		return appendTimeOfDay(nil, s.Now), Success, nil
	default:
		return nil, ErrNotSupported, nil
	}
	switch {
	case desc == "":
		return nil, ErrInvalidLevel, nil
	case string(r.DataDesc) != desc:
		return nil, ErrNotSupported, nil
	}
	data, n, needed := pack(desc, entries, int(r.BufLen))
	switch {
	case enum && n < len(entries):
		// MS-RAP 3.2.5.1: the entries that fit, and how many there are.
		return data, ErrMoreData, []int{n, len(entries)}
	case enum:
		return data, Success, []int{n, n}
	case n == 0:
		// MS-RAP 3.2.5.2: ERROR_MORE_DATA and the size needed.
		return nil, ErrMoreData, []int{needed}
	}
	return data, Success, []int{needed}
}

// level returns the data descriptor of information level 0 or 1, or "".
func level(l uint16, desc0, desc1 string) string {
	switch l {
	case 0:
		return desc0
	case 1:
		return desc1
	}
	return ""
}

func (s *Server) serverEntry() entry {
	return entry{strs: [5]string{s.Name, s.Comment},
		nums: [3]uint32{uint32(s.VersionMajor), uint32(s.VersionMinor), s.Type}}
}

// browse is NetServerEnum2's list (MS-RAP 3.2.5.12): a server that keeps no
// browse list knows itself and its workgroup. SV_TYPE_DOMAIN_ENUM asks for
// workgroups, whose comment names their master browser; other bits ask for
// servers of those types. SV_TYPE_ALL asks for all servers, not
// workgroups, as Samba reads it. The domain may be the workgroup or the
// server's own name, which is what smbclient sends after logging on to a
// standalone server's accounts (the NTLMSSP TargetName); another
// workgroup's list is empty.
func (s *Server) browse(types uint32, domain []byte) []entry {
	if d := string(domain); d != "" && !strings.EqualFold(d, s.Domain) && !strings.EqualFold(d, s.Name) {
		return nil
	}
	if types == SVTypeAll {
		types &^= SVTypeDomainEnum | SVTypeLocalListOnly
	}
	if types&SVTypeDomainEnum != 0 {
		return []entry{{strs: [5]string{s.Domain, s.Name},
			nums: [3]uint32{uint32(s.VersionMajor), uint32(s.VersionMinor), SVTypeDomainEnum | SVTypeNT}}}
	}
	if s.Type&types == 0 {
		return nil
	}
	return []entry{s.serverEntry()}
}
