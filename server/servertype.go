package server

import "github.com/tinysmbd/tinysmbd/smb/browser"

// What the browser announcements (package netbios) and the share listing's
// server information (ipc.go) say about this server. The type is what Samba
// announces for a standalone file server, without the print queue and DFS
// bits of services tinysmbd does not offer; the OS version is Samba's too
// (Windows 7 / Server 2008 R2), informational only (MS-BRWS 2.2.1).
const (
	serverType = browser.SVTypeWorkstation | browser.SVTypeServer | browser.SVTypeServerUnix |
		browser.SVTypeNT | browser.SVTypeServerNT
	serverOSMajor = 6
	serverOSMinor = 1
)
