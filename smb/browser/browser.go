// Package browser is the wire format of the CIFS Browser Protocol (MS-BRWS)
// as a nonbrowser server needs it: the browser frames that travel in
// \MAILSLOT\BROWSE, and the SMB_COM_TRANSACTION mailslot write (MS-MAIL)
// that carries them inside a NetBIOS datagram.
//
// browser parses without allocating: ParseXxx checks every length up front
// and returns a view whose accessors index freely; views alias the input and
// die with it. Builders append to a caller's buffer. It owns no sockets,
// timers or goroutines; the server package decides when to announce.
package browser

import (
	"bytes"
	"encoding/binary"
)

// Browser frame opcodes (MS-BRWS 2.2), the first byte of every frame.
const (
	OpHostAnnouncement        uint8 = 0x01
	OpAnnouncementRequest     uint8 = 0x02
	OpRequestElection         uint8 = 0x08
	OpGetBackupListRequest    uint8 = 0x09
	OpGetBackupListResponse   uint8 = 0x0A
	OpBecomeBackup            uint8 = 0x0B
	OpDomainAnnouncement      uint8 = 0x0C
	OpMasterAnnouncement      uint8 = 0x0D
	OpResetStateRequest       uint8 = 0x0E
	OpLocalMasterAnnouncement uint8 = 0x0F
)

// Server type bits (MS-RAP 2.5.5.2.1, MS-SRVS 2.2.2.7), the ServerType of an
// announcement.
const (
	SVTypeWorkstation      uint32 = 0x00000001
	SVTypeServer           uint32 = 0x00000002
	SVTypeDomainCtrl       uint32 = 0x00000008
	SVTypeDomainMember     uint32 = 0x00000100
	SVTypePrintQServer     uint32 = 0x00000200
	SVTypeServerUnix       uint32 = 0x00000800
	SVTypeNT               uint32 = 0x00001000
	SVTypeWFW              uint32 = 0x00002000
	SVTypeServerNT         uint32 = 0x00008000
	SVTypePotentialBrowser uint32 = 0x00010000
	SVTypeBackupBrowser    uint32 = 0x00020000
	SVTypeMasterBrowser    uint32 = 0x00040000
	SVTypeDomainMaster     uint32 = 0x00080000
	SVTypeWindows          uint32 = 0x00400000
	SVTypeDFS              uint32 = 0x00800000
	SVTypeLocalListOnly    uint32 = 0x40000000
	SVTypeDomainEnum       uint32 = 0x80000000
)

const (
	// BrowserVersionMajor and BrowserVersionMinor are what announcing
	// servers MUST send (MS-BRWS 2.2.1).
	BrowserVersionMajor = 0x0F
	BrowserVersionMinor = 0x01
	// Signature MUST follow the versions (MS-BRWS 2.2.1).
	Signature = 0xAA55

	// MaxCommentLen is the longest comment, without its terminator: the
	// field is at most 43 bytes with it (MS-BRWS 2.2.1).
	MaxCommentLen = 42

	announcementLen = 32 // opcode through Signature
	nameFieldLen    = 16 // ServerName, MachineGroup
	electionLen     = 14 // opcode through Unused
	requestLen      = 2  // opcode and Reserved
)

// parseError is the type of the package's parse sentinels.
type parseError string

func (e parseError) Error() string { return string(e) }

var (
	errFrameShort   = parseError("browser: frame shorter than its fixed part")
	errFrameOpcode  = parseError("browser: frame has another opcode")
	errUnterminated = parseError("browser: string without null terminator")
)

// Announcement is a validated HostAnnouncement (MS-BRWS 2.2.1),
// LocalMasterAnnouncement (2.2.10) or DomainAnnouncement (2.2.7): the three
// share one layout, with the DomainAnnouncement's MachineGroup,
// BrowserConfigVersion and LocalMasterBrowserName where the others have
// ServerName, OSVersion and Comment.
type Announcement []byte

// ParseAnnouncement validates frame, opcode first, as one of the three
// announcements.
func ParseAnnouncement(frame []byte) (Announcement, error) {
	if len(frame) < announcementLen {
		return nil, errFrameShort
	}
	switch frame[0] {
	case OpHostAnnouncement, OpLocalMasterAnnouncement, OpDomainAnnouncement:
	default:
		return nil, errFrameOpcode
	}
	// MS-BRWS 2.2.1: Comment is null-terminated; a Windows 9x announcer
	// may send none at all, which is an empty comment.
	if len(frame) > announcementLen && bytes.IndexByte(frame[announcementLen:], 0) < 0 {
		return nil, errUnterminated
	}
	return Announcement(frame), nil
}

// Opcode is OpHostAnnouncement, OpLocalMasterAnnouncement or
// OpDomainAnnouncement.
func (a Announcement) Opcode() uint8 { return a[0] }

// UpdateCount is sent as 0 and ignored (MS-BRWS 2.2.1).
func (a Announcement) UpdateCount() uint8 { return a[1] }

// Periodicity is the time in milliseconds until the sender announces again;
// 0 from a server that is shutting down.
func (a Announcement) Periodicity() uint32 { return binary.LittleEndian.Uint32(a[2:]) }

// ServerName is the announced name (the MachineGroup of a
// DomainAnnouncement) up to its first null byte.
func (a Announcement) ServerName() []byte { return cstring(a[6 : 6+nameFieldLen]) }

// VersionMajor is OSVersionMajor (BrowserConfigVersionMajor of a
// DomainAnnouncement).
func (a Announcement) VersionMajor() uint8 { return a[22] }

// VersionMinor is OSVersionMinor (BrowserConfigVersionMinor).
func (a Announcement) VersionMinor() uint8 { return a[23] }

// ServerType holds SVType bits; 0 from a server that is going away.
func (a Announcement) ServerType() uint32 { return binary.LittleEndian.Uint32(a[24:]) }

// BrowserVersionMajor is informational; MS-BRWS 2.2.1 forbids validating it.
func (a Announcement) BrowserVersionMajor() uint8 { return a[28] }

// BrowserVersionMinor is informational, like BrowserVersionMajor.
func (a Announcement) BrowserVersionMinor() uint8 { return a[29] }

// Signature is 0xAA55 from conforming senders.
func (a Announcement) Signature() uint16 { return binary.LittleEndian.Uint16(a[30:]) }

// Comment is the server comment (LocalMasterBrowserName of a
// DomainAnnouncement) without its terminator.
func (a Announcement) Comment() []byte { return cstring(a[announcementLen:]) }

// Host is what a HostAnnouncement says about this server.
type Host struct {
	// Periodicity is the milliseconds until the next announcement: the new
	// HostAnnouncement timer value (MS-BRWS 2.2.1).
	Periodicity uint32
	// Name is the NetBIOS name, at most 15 bytes.
	Name string
	// OSMajor and OSMinor are informational only.
	OSMajor, OSMinor uint8
	// Type is the SVType bits; 0 announces that the server is going away
	// (MS-BRWS 3.2.7).
	Type uint32
	// Comment is sent as OEM bytes, cut to MaxCommentLen.
	Comment string
}

// AppendHostAnnouncement appends a HostAnnouncement frame (MS-BRWS 2.2.1).
// It panics if h.Name is longer than 15 bytes; callers pass names they
// control.
func AppendHostAnnouncement(dst []byte, h Host) []byte {
	if len(h.Name) >= nameFieldLen {
		panic("browser: server name longer than 15 bytes")
	}
	var b [announcementLen]byte
	b[0] = OpHostAnnouncement
	binary.LittleEndian.PutUint32(b[2:], h.Periodicity)
	copy(b[6:6+nameFieldLen], h.Name) // null-padded, as Windows and Samba send it
	b[22], b[23] = h.OSMajor, h.OSMinor
	binary.LittleEndian.PutUint32(b[24:], h.Type)
	b[28], b[29] = BrowserVersionMajor, BrowserVersionMinor
	binary.LittleEndian.PutUint16(b[30:], Signature)
	dst = append(dst, b[:]...)
	n := 0
	for _, r := range h.Comment {
		if n == MaxCommentLen {
			break
		}
		// OEM code page: what does not fit in a byte, or would end the
		// string early, becomes '?'.
		if r > 0xFF || r == 0 {
			r = '?'
		}
		dst = append(dst, byte(r))
		n++
	}
	return append(dst, 0)
}

// AnnouncementRequest is a validated AnnouncementRequest frame
// (MS-BRWS 2.2.2), which asks every server in the machine group to announce.
type AnnouncementRequest []byte

// ParseAnnouncementRequest validates frame, opcode first, as an
// AnnouncementRequest.
func ParseAnnouncementRequest(frame []byte) (AnnouncementRequest, error) {
	if len(frame) < requestLen {
		return nil, errFrameShort
	}
	if frame[0] != OpAnnouncementRequest {
		return nil, errFrameOpcode
	}
	return AnnouncementRequest(frame), nil
}

// ResponseName is the sender's name up to its terminator or the end of the
// frame. MS-BRWS 2.2.2 says receivers MUST ignore it, so a missing
// terminator is not an error.
func (r AnnouncementRequest) ResponseName() []byte { return cstring(r[requestLen:]) }

// Election is a validated RequestElection frame (MS-BRWS 2.2.3). A
// nonbrowser server parses it only to ignore it (MS-BRWS 3.2.5).
type Election []byte

// ParseElection validates frame, opcode first, as a RequestElection.
func ParseElection(frame []byte) (Election, error) {
	if len(frame) < electionLen {
		return nil, errFrameShort
	}
	if frame[0] != OpRequestElection {
		return nil, errFrameOpcode
	}
	return Election(frame), nil
}

// Version is the election packet version.
func (e Election) Version() uint8 { return e[1] }

// Criteria is the sender's election criteria: OS, browser version and role.
func (e Election) Criteria() uint32 { return binary.LittleEndian.Uint32(e[2:]) }

// Uptime is the seconds since the sender's browser service started.
func (e Election) Uptime() uint32 { return binary.LittleEndian.Uint32(e[6:]) }

// ServerName is the sender's name up to its terminator or the frame's end.
func (e Election) ServerName() []byte { return cstring(e[electionLen:]) }

// cstring returns b up to its first null byte, or all of b.
func cstring(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i:i]
	}
	return b[:len(b):len(b)]
}
