// Package netbios runs the NetBIOS name service (UDP 137, RFC 1001 15 and
// RFC 1002 4.2) of a B-node and the browser announcements of a nonbrowser
// server (MS-BRWS over the datagram service, UDP 138). It is to the SMB
// server what HPACK is to HTTP/2: it imports nothing of package server, and
// server starts it with a Config.
//
// One scanner lists the interfaces for both services and one binder opens
// their sockets. Each IPv4 subnet the scan finds gets, per service, a socket
// bound to the interface's address, which sends and hears unicast, and one
// bound to the subnet's broadcast address, which hears broadcasts, as
// Samba's nmbd binds them: the socket a datagram arrives on says which
// subnet, and so which address, to answer with. The scan runs again every
// RescanInterval and on Rescan, so both services follow interfaces that come
// up, go away or change address.
//
// Sockets come from a pion transport.Net: tests run the services on pion's
// virtual network, and on the host's in private network namespaces where a
// test needs broadcasts. The build tags tinysmbd_nonbns and tinysmbd_nobrowse
// leave each service out, and with it the wire code only it uses.
package netbios
