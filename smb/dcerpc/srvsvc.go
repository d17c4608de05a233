package dcerpc

import (
	"strings"

	"github.com/tinysmbd/tinysmbd/smb"
)

// Share types (MS-SRVS 2.2.2.4).
const (
	STypeDiskTree uint32 = 0x00000000
	STypeIPC      uint32 = 0x00000003
	// STypeSpecial marks administrative shares such as IPC$ and names
	// ending in '$' (STYPE_SPECIAL; Samba and Windows set it on both).
	STypeSpecial uint32 = 0x80000000
)

// ShareInfo is one share as NetrShareEnum and NetrShareGetInfo report it.
type ShareInfo struct {
	Name    string
	Type    uint32
	Comment string
	// Path is the local path of level 2, which a server without a
	// drive-letter namespace reports as, say, "C:\".
	Path string
}

// ServerInfo is what NetrServerGetInfo and NetrWkstaGetInfo report.
type ServerInfo struct {
	// Name is the NetBIOS name; Domain the workgroup.
	Name, Domain string
	Comment      string
	// Type is the SV_TYPE_* bits (MS-SRVS 2.2.2.7).
	Type                       uint32
	VersionMajor, VersionMinor uint32
}

// Interface syntaxes (MS-SRVS 1.9, MS-WKST 1.9).
var (
	// srvsvcSyntax is 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0.
	srvsvcSyntax = SyntaxID{0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78,
		0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88, 3, 0, 0, 0}
	// wkssvcSyntax is 6bffd098-a112-3610-9833-46c3f87e345a v1.0.
	wkssvcSyntax = SyntaxID{0x98, 0xd0, 0xff, 0x6b, 0x12, 0xa1, 0x10, 0x36, 0x98, 0x33,
		0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a, 1, 0, 0, 0}
)

// Opnums served (MS-SRVS 3.1.4, MS-WKST 3.2.4).
const (
	opNetrShareEnum       = 15
	opNetrShareGetInfo    = 16
	opNetrServerGetInfo   = 21
	opNetrShareEnumSticky = 36
	opNetrWkstaGetInfo    = 0
)

// Values of the replies: PLATFORM_ID_NT, the WERRORs returned, and the
// SERVER_INFO_102 fields a server without those settings reports as Samba
// does, except sv102_disc, SV_NODISC: idle clients are never disconnected.
const (
	platformIDNT         = 500
	werrInvalidLevel     = 124 // ERROR_INVALID_LEVEL
	werrNetNameNotFound  = 2310
	serverUsersUnlimited = 0xFFFFFFFF
	svNoDisc             = 0xFFFFFFFF
	serverAnnounce       = 240  // sv102_announce, seconds
	serverAnnounceDelta  = 3000 // sv102_anndelta, milliseconds
	serverLicenses       = 100000
	defaultUserPath      = `C:\`
)

// Srvsvc returns the srvsvc service over shares, listed in their order,
// and srv: NetrShareEnum and NetrShareEnumSticky, NetrShareGetInfo (share
// levels 0, 1, 2, 501, 502 and 1005) and NetrServerGetInfo (100, 101, 102).
func Srvsvc(shares []ShareInfo, srv ServerInfo) Service {
	s := &srvsvc{shares: shares, srv: srv}
	return Service{syntax: srvsvcSyntax, call: s.call}
}

type srvsvc struct {
	shares []ShareInfo
	srv    ServerInfo
}

func (s *srvsvc) call(opnum uint16, in []byte, e *encoder) uint32 {
	d := decoder{b: in}
	// Every call served starts with ServerName, which names us and is
	// ignored (MS-SRVS 3.1.4.8).
	d.uniqueStr()
	switch opnum {
	case opNetrShareEnum, opNetrShareEnumSticky:
		// MS-SRVS 3.1.4.8: InfoStruct is the level, the union's
		// discriminant, which must equal it, and a pointer to a
		// container whose entries a client leaves empty.
		level := d.u32()
		if d.u32() != level {
			d.bad = true
		}
		if d.u32() != 0 {
			d.u32()
			if d.u32() != 0 {
				d.bad = true
			}
		}
		d.u32() // PreferedMaximumLength: all entries go in one reply
		resume := d.u32() != 0
		from := uint32(0)
		if resume {
			from = d.u32()
		}
		if d.bad {
			return FaultBadStubData
		}
		s.shareEnum(e, level, resume, from, opnum == opNetrShareEnumSticky)
	case opNetrShareGetInfo:
		var buf [256]byte
		name := smb.AppendUTF16ToUTF8(buf[:0], d.str())
		level := d.u32()
		if d.bad {
			return FaultBadStubData
		}
		s.shareGetInfo(e, string(name), level)
	case opNetrServerGetInfo:
		level := d.u32()
		if d.bad {
			return FaultBadStubData
		}
		s.serverGetInfo(e, level)
	default:
		return FaultOpRangeError
	}
	return 0
}

// shareEnum encodes NetrShareEnum's reply: InfoStruct (level, discriminant,
// container pointer; the container's count and array pointer; the
// conformant array of SHARE_INFO_x, then their strings), TotalEntries,
// ResumeHandle and the WERROR. An unknown level encodes the union's empty
// default arm, as Samba does.
//
// sticky is NetrShareEnumSticky (MS-SRVS 3.1.4.9), which Samba answers as
// NetShareEnum: the shares whose names end in '$' are left out, and the
// resume handle is the number of entries returned.
func (s *srvsvc) shareEnum(e *encoder, level uint32, resume bool, from uint32, sticky bool) {
	e.u32(level)
	e.u32(level)
	shares := s.shares
	if sticky {
		shares = make([]ShareInfo, 0, len(s.shares))
		for _, sh := range s.shares {
			if !strings.HasSuffix(sh.Name, "$") {
				shares = append(shares, sh)
			}
		}
	}
	total, werr, next := uint32(len(shares)), uint32(0), uint32(0)
	if shareLevel(level) {
		list := shares[min(int(from), len(shares)):]
		if sticky {
			next = uint32(len(list))
		}
		e.ptr(true)
		e.u32(uint32(len(list)))
		e.ptr(true)
		e.u32(uint32(len(list)))
		for i := range list {
			shareScalars(e, level, &list[i])
		}
		for i := range list {
			shareStrings(e, level, &list[i])
		}
	} else {
		total, werr = 0, werrInvalidLevel
	}
	e.u32(total)
	e.ptr(resume)
	if resume {
		// All entries went out: NetrShareEnum has nothing to resume
		// from.
		e.u32(next)
	}
	e.u32(werr)
}

// shareLevel reports whether level is a SHARE_INFO level served: 0, 1, 2,
// 501, 502 (MS-SRVS 2.2.4.22-2.2.4.26) and 1005 (2.2.4.29).
func shareLevel(level uint32) bool {
	switch level {
	case 0, 1, 2, 501, 502, 1005:
		return true
	}
	return false
}

func (s *srvsvc) shareGetInfo(e *encoder, name string, level uint32) {
	e.u32(level)
	var werr uint32
	var sh *ShareInfo
	for i := range s.shares {
		if strings.EqualFold(s.shares[i].Name, name) {
			sh = &s.shares[i]
		}
	}
	switch {
	case !shareLevel(level):
		werr = werrInvalidLevel
	case sh == nil:
		// MS-SRVS 3.1.4.10: NERR_NetNameNotFound (Samba answers
		// WERR_INVALID_NAME).
		e.ptr(false)
		werr = werrNetNameNotFound
	default:
		e.ptr(true)
		shareScalars(e, level, sh)
		shareStrings(e, level, sh)
	}
	e.u32(werr)
}

// shareScalars encodes the fixed part of SHARE_INFO_level (MS-SRVS 2.2.4.22
// and on); shareStrings the strings its pointers refer to.
func shareScalars(e *encoder, level uint32, sh *ShareInfo) {
	if level == 1005 {
		e.u32(0) // shi1005_flags: manual caching, no DFS
		return
	}
	e.ptr(true)
	if level == 0 {
		return
	}
	e.u32(sh.Type)
	e.ptr(true)
	switch level {
	case 2, 502:
		e.u32(0)          // permissions
		e.u32(0xFFFFFFFF) // max_uses: unlimited
		e.u32(0)          // current_uses
		e.ptr(true)       // path
		e.ptr(true)       // passwd, empty as Samba sends it
		if level == 502 {
			// shi502_reserved is the descriptor's size
			// (MS-SRVS 2.2.4.26), then its pointer.
			e.u32(uint32(len(shareSecurityDescriptor)))
			e.ptr(true)
		}
	case 501:
		e.u32(0) // flags
	}
}

// shareSecurityDescriptor is level 502's shi502_security_descriptor: a
// DACL granting Everyone full control, no owner or group, the descriptor
// Samba reports for a share without one of its own.
var shareSecurityDescriptor = smb.AppendSecurityDescriptor(nil, smb.DACLSecurityInformation)

func shareStrings(e *encoder, level uint32, sh *ShareInfo) {
	if level == 1005 {
		return
	}
	e.str(sh.Name)
	if level == 0 {
		return
	}
	e.str(sh.Comment)
	if level == 2 || level == 502 {
		e.str(sh.Path)
		e.str("")
	}
	if level == 502 {
		e.bytes(shareSecurityDescriptor)
	}
}

// serverGetInfo encodes SERVER_INFO_100, 101 or 102 (MS-SRVS 2.2.4.40-42).
func (s *srvsvc) serverGetInfo(e *encoder, level uint32) {
	e.u32(level)
	if level < 100 || level > 102 {
		e.u32(werrInvalidLevel)
		return
	}
	e.ptr(true)
	e.u32(platformIDNT)
	e.ptr(true)
	if level >= 101 {
		e.u32(s.srv.VersionMajor)
		e.u32(s.srv.VersionMinor)
		e.u32(s.srv.Type)
		e.ptr(true)
	}
	if level == 102 {
		e.u32(serverUsersUnlimited)
		e.u32(svNoDisc)
		e.u32(0) // sv102_hidden: SV_VISIBLE
		e.u32(serverAnnounce)
		e.u32(serverAnnounceDelta)
		e.u32(serverLicenses)
		e.ptr(true)
	}
	e.str(s.srv.Name)
	if level >= 101 {
		e.str(s.srv.Comment)
	}
	if level == 102 {
		e.str(defaultUserPath)
	}
	e.u32(0)
}

// Wkssvc returns the wkssvc service answering NetrWkstaGetInfo at levels
// 100 and 101 (MS-WKST 3.2.4.1) from srv.
func Wkssvc(srv ServerInfo) Service {
	return Service{syntax: wkssvcSyntax, call: func(opnum uint16, in []byte, e *encoder) uint32 {
		if opnum != opNetrWkstaGetInfo {
			return FaultOpRangeError
		}
		d := decoder{b: in}
		d.uniqueStr()
		level := d.u32()
		if d.bad {
			return FaultBadStubData
		}
		e.u32(level)
		if level != 100 && level != 101 {
			e.u32(werrInvalidLevel)
			return 0
		}
		// WKSTA_INFO_100/101 (MS-WKST 2.2.5.1, 2.2.5.2).
		e.ptr(true)
		e.u32(platformIDNT)
		e.ptr(true)
		e.ptr(true)
		e.u32(srv.VersionMajor)
		e.u32(srv.VersionMinor)
		if level == 101 {
			e.ptr(true)
		}
		e.str(srv.Name)
		e.str(srv.Domain)
		if level == 101 {
			e.str("") // wki101_lanroot
		}
		e.u32(0)
		return 0
	}}
}
