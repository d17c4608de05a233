package server

import (
	"log/slog"
	"time"

	"github.com/pion/transport/v3"
	"github.com/spf13/afero"
)

// Config is everything a Server needs. The zero value of each field means the
// documented default; cmd/tinysmbd fills it from TOML and flags, firmware
// fills it in code.
type Config struct {
	// NetBIOSName is the server's NetBIOS name, upper case, at most 15 bytes.
	// Default "TINYSMBD".
	NetBIOSName string
	// Workgroup is the domain/workgroup name announced in NEGOTIATE and
	// NTLMSSP. Default "WORKGROUP".
	Workgroup string

	// NetBTListen is the NetBIOS session service address (RFC 1002 4.3),
	// usually ":139"; "" disables it.
	NetBTListen string
	// DirectListen is the direct-hosted SMB address, usually ":445"; ""
	// disables it.
	DirectListen string
	// NBNSListen is the NetBIOS name service address (UDP 137, RFC 1002
	// 4.2); "" disables it. A binary built with tinysmbd_nonbns refuses
	// it (see NameServiceBuilt).
	NBNSListen string
	// Interfaces limits the name service and browsing to these interfaces
	// (names such as "eth0" or addresses); empty means every interface with
	// an IPv4 broadcast address. A query is answered with the address of the
	// interface it arrived on. Both follow the interfaces (every 30 s, and
	// on Reload): they wait for a listed one that is not up yet, with a
	// warning naming it, and refuse at start an entry that can be neither
	// an interface name nor an IPv4 address.
	Interfaces []string
	// NetBIOSAliases are further names the name service registers and
	// answers for, as <00> and <20> like NetBIOSName.
	NetBIOSAliases []string
	// Browse sends browser host announcements (MS-BRWS over the NetBIOS
	// datagram service, UDP 138) so the server shows up in Network
	// Neighborhood. cmd/tinysmbd turns it on whenever the name service is
	// on, unless the config says browse = false or the binary was built
	// with tinysmbd_nobrowse, which makes New refuse it (see BrowseBuilt).
	Browse bool
	// ServerComment is the server's description in browse lists (Network
	// Neighborhood's Comment column); at most 42 bytes are announced.
	ServerComment string
	// Net is the network the name service and browser use; nil means the
	// host's (pion's stdnet). Tests pass a pion vnet. The services call
	// its Interfaces at each rescan and take the answer as current; a
	// stdnet.Net passed here answers what it read when made until its
	// UpdateInterfaces is called (with nil, the service updates its own).
	Net transport.Net

	// NTLMv1 allows NTLMv1 and LM challenge responses. NTLMv2 is always on.
	NTLMv1 bool
	// Signing says whether SMB messages are signed (MS-CIFS 3.1.4.1);
	// the zero value is SigningAuto.
	Signing SigningMode
	// CoalesceSessionSetup lets the batching writer put a SESSION_SETUP_ANDX
	// response in one write with other responses. Off by default: NT 3.51 and
	// 4.0 before SP4 assumed that response was alone in its TCP segment
	// (Microsoft KB Q161968).
	CoalesceSessionSetup bool
	// StrictCalledName answers a NetBT session request whose called name is
	// not ours, "*SMBSERVER" or the listening address with negative response
	// 0x82 (RFC 1002 4.3.4: called name not present). Off by default, as in
	// Samba, which accepts any called name.
	StrictCalledName bool

	// MaxMessageSize caps the length of one incoming SMB message (the frame
	// payload), checked on the NetBT/direct header before any buffer grows.
	// Default 0x1FFFF: the largest NetBT session message (RFC 1002 4.3.1).
	MaxMessageSize int

	// Limits and timeouts. Each zero value means the default named in its
	// comment, documented in docs/configuration.md;
	// a negative value means "none" where the comment says so.

	// MaxConnections caps the connections served at once; one more is
	// accepted and closed at once (a NetBT one after negative session
	// response 0x83). Default 1024; negative: no limit.
	MaxConnections int
	// MaxConnectionsPerClient caps the connections from one IP address.
	// Default 64; negative: no limit.
	MaxConnectionsPerClient int
	// MaxPendingLogons caps the connections not logged on yet (no user
	// session, no tree); when it or MaxConnections is reached, the oldest
	// of them from the address holding the most is closed to admit a new
	// one (docs/configuration.md says when one is refused instead).
	// Default MaxConnections/4; negative: no limit.
	MaxPendingLogons int
	// MaxPendingLogonsPerClient caps the connections not logged on yet
	// from one IP address; one more is refused. Default 16; negative: no
	// limit.
	MaxPendingLogonsPerClient int
	// MaxSessionsPerConnection caps the UIDs of one connection, logons in
	// progress included (STATUS_TOO_MANY_SESSIONS). Default 16.
	MaxSessionsPerConnection int
	// MaxTreesPerConnection caps the TIDs of one connection
	// (STATUS_INSUFF_SERVER_RESOURCES). Default 64.
	MaxTreesPerConnection int
	// MaxOpenFilesPerSession caps the files one UID holds open
	// (STATUS_TOO_MANY_OPENED_FILES). Default 1024.
	MaxOpenFilesPerSession int
	// MaxSearchesPerSession caps the FIND_FIRST2 search handles one UID
	// holds open (STATUS_TOO_MANY_OPENED_FILES). Default 64.
	MaxSearchesPerSession int
	// MaxPendingTransactions caps the split transactions one connection
	// may leave waiting for secondaries (STATUS_INSUFF_SERVER_RESOURCES).
	// Default 16.
	MaxPendingTransactions int
	// MaxTransactionSize caps the parameter plus data bytes the pending
	// transactions of one connection declare together, and so the memory
	// their reassembly holds (STATUS_INSUFF_SERVER_RESOURCES). Default
	// 1 MiB.
	MaxTransactionSize int
	// MaxMpxCount is the MaxMpxCount advertised in NEGOTIATE: the requests
	// a client may have outstanding. With that many replies not yet
	// written, or that many READ_ANDX and WRITE_ANDX in flight, the
	// connection stops reading. Default 50, as Samba's "max mux"; at most
	// 65535.
	MaxMpxCount int
	// HandshakeTimeout is how long a new connection has to log on: a
	// session authenticated as a user, or a guest or anonymous session's
	// tree connect. It is the slow-client (SMBLoris) defence, and makes
	// connections that never log on short-lived. Default 10s; negative:
	// none.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection that holds no open file and has sent
	// nothing for this long, as Windows' autodisconnect does; clients
	// reconnect transparently. Default 15m; negative: never.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection whose peer does not take a reply
	// for this long. Default 30s; negative: none.
	WriteTimeout time.Duration

	// RestrictAnonymous refuses null (anonymous) logons with
	// STATUS_LOGON_FAILURE. By default they are admitted to IPC$ only:
	// enough to list shares, never a disk share (STATUS_ACCESS_DENIED).
	RestrictAnonymous bool
	// LogonFailureDelay holds the reply to a failed logon back, and the
	// connection's reader with it. Default 2s; negative: none.
	LogonFailureDelay time.Duration
	// LogonFailureLimit is how many failed logons one client address may
	// make within LogonFailureWindow; after that every logon from it fails
	// (STATUS_LOGON_FAILURE, delayed, the password not checked) until the
	// window has passed. Default 10; negative: no limit.
	LogonFailureLimit int
	// LogonFailureWindow: see LogonFailureLimit. Default 5m.
	LogonFailureWindow time.Duration

	// Users are the accounts of the built-in Authenticator; names are
	// unique case-insensitively. Reload replaces them.
	Users []User
	// Shares are the exported trees, listed to clients in this order.
	// Reload replaces them.
	Shares []Share
	// Authenticator, if set, supplies the accounts instead of Users (which
	// must then be empty): firmware plugs its own user store in here.
	Authenticator Authenticator
	// Groups are the groups the "@name" entries of Share.ValidUsers,
	// ReadUsers and WriteUsers name; group names are unique
	// case-insensitively. With an Authenticator that is a
	// GroupAuthenticator, which keeps its own groups, it must be empty.
	// Reload keeps them; ReloadGroups replaces them.
	Groups []Group

	// Logger receives connection and error logs; nil means slog.Default().
	Logger *slog.Logger
	// Sendfile sends the data of READ_ANDX replies of 16 KiB or more from
	// disk shares over TCP with sendfile(2) (Linux), from the page cache
	// to the socket, instead of copying it through the reply buffer. It is
	// off by default, as Samba's "use sendfile": over loopback it is
	// slower than the copy (docs/configuration.md), since the receiver's
	// copy out of the page cache costs what the copy saved. It is meant
	// for a real network card on a board whose CPU the copy holds back;
	// measure there before turning it on, and keep it off for file systems
	// whose sendfile misbehaves (some network and FUSE file systems).
	Sendfile bool

	// Trace logs every SMB request and its status at Debug level.
	Trace bool
}

// User is an account that may authenticate with NTLM.
type User struct {
	Name string
	// Password is the clear-text password; if empty, NTHash is used.
	Password string
	// NTHash is MD4(UTF-16LE(password)) (MS-NLMP 3.3.1), for configs that
	// must not hold the password itself.
	NTHash [16]byte
}

// Share is one exported tree.
type Share struct {
	// Name is what clients put after \\server\, compared case-insensitively.
	Name string
	// Fs is the share's file system; the share's root is Fs's "/". It must
	// be safe for concurrent use: every connection uses it. New confines
	// it (vfs.Confined) so that no symlink leads a client out of "/"; a
	// link out is a missing name, as in Samba with "wide links = no":
	//   - vfs.NewRootFs: os.Root resolves every name with openat.
	//   - afero.NewBasePathFs(afero.NewOsFs(), dir), and any Fs wrapped in
	//     vfs.Confine(fs, dir): each name's host path is resolved before
	//     the operation, each opened file placed by its descriptor.
	//   - Any other Fs with LstatIfPossible (afero.ReadOnlyFs,
	//     afero.CopyOnWriteFs): each name is walked through its
	//     LstatIfPossible and ReadlinkIfPossible, absolute links are
	//     missing names as in os.Root, opened host files are placed by
	//     their descriptor.
	//   - An Fs whose files are not the host's (afero.MemMapFs) is served
	//     as it is. One that serves host files without LstatIfPossible
	//     (afero.RegexpFs, afero.CacheOnReadFs) is refused: wrap it in
	//     vfs.Confine, or set Unconfined.
	// Outside a RootFs, removes, renames, mkdir and attribute changes keep
	// a window between check and change in which a directory swapped for
	// a link is followed, and so do opens through afero.CacheOnReadFs,
	// which copies by name. Hard links cannot be told from other files.
	Fs afero.Fs
	// Unconfined serves Fs without New's check, for an Fs that confines
	// itself (such as an afero.ReadOnlyFs over a vfs.NewRootFs, which New
	// cannot see into and would walk). A bare afero.BasePathFs over
	// afero.OsFs is confined all the same.
	Unconfined bool
	// ReadOnly refuses every change and every open for writing with
	// STATUS_ACCESS_DENIED.
	ReadOnly bool
	// GuestOK lets unauthenticated (guest or anonymous) sessions connect.
	// It cannot be combined with ValidUsers.
	GuestOK bool
	// Comment describes the share in share lists.
	Comment string

	// ValidUsers, when not empty, are the only users that may connect,
	// as Samba's "valid users": account names, compared
	// case-insensitively, and "@group" for the members of a group of
	// Config.Groups (or of a GroupAuthenticator). Others get
	// STATUS_ACCESS_DENIED at tree connect and do not see the share in
	// share lists. A guest is on no list. A name that is no account or
	// group matches nobody (cmd/tinysmbd refuses it in a config).
	ValidUsers []string
	// ReadUsers get the share read-only even when it is writable, as
	// Samba's "read list".
	ReadUsers []string
	// WriteUsers may change the share even when it is ReadOnly, as
	// Samba's "write list"; they win over ReadUsers.
	WriteUsers []string
}

// Group is a named set of accounts for the "@group" entries of a share's
// lists.
type Group struct {
	Name string
	// Members are account names, compared case-insensitively.
	Members []string
}
