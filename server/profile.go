package server

import "fmt"

// Build profiles. Each of these build tags leaves an optional subsystem out
// of the binary, for firmware whose flash has no room for it; the wire
// packages only that subsystem uses (netbt's name and datagram services,
// smb/browser, smb/dcerpc, smb/rap) are then not linked either.
//
//	tinysmbd_nonbns    the NetBIOS name service, UDP 137 (netbios/nbns.go)
//	tinysmbd_nobrowse  the browser announcements, UDP 138 (netbios/browse.go)
//	tinysmbd_noipc     named pipes, DCE/RPC and RAP on IPC$, through which
//	                   clients list the shares (ipc.go)
//	tinysmbd_nocore    the core commands and LAN Manager dialects of DOS,
//	                   Windows 9x and OS/2 clients (core.go)
//
// NameServiceBuilt, BrowseBuilt, IPCBuilt and CoreBuilt report what a
// binary has. New refuses a Config that asks for a subsystem the binary
// lacks rather than ignore the setting. IPC$ and the core commands have no
// settings: without them the server answers as one that never implemented
// them, and IPC$ itself still connects.

// checkProfile refuses a cfg that needs a subsystem this build left out.
func checkProfile(cfg *Config) error {
	if cfg.NBNSListen != "" && !NameServiceBuilt {
		return errLeftOut("Config.NBNSListen", "the NetBIOS name service", "tinysmbd_nonbns")
	}
	if cfg.Browse && !BrowseBuilt {
		return errLeftOut("Config.Browse", "browser announcements", "tinysmbd_nobrowse")
	}
	return nil
}

// errLeftOut says that setting asks for what, which build tag tag left out.
func errLeftOut(setting, what, tag string) error {
	return fmt.Errorf("server: %s is set, but this binary was built without %s (build tag %s)", setting, what, tag)
}
