//go:build !tinysmbd_nonbns

package netbios

// The NetBIOS name service of a B-node (RFC 1001 15, RFC 1002 4.2 and 5.1.1):
// it claims the names by broadcast on each subnet, answers name queries and
// node status requests, defends its unique names, refreshes them, and
// releases them when it stops.

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/tinysmbd/tinysmbd/netbt"
)

const (
	// nbnsTTL is the TTL, in seconds, of positive answers: three days, what
	// Samba's nmbd gives for names it holds on a broadcast subnet.
	nbnsTTL = 3 * 24 * 60 * 60
	// claimTTL is the TTL of a B-node's claims, refreshes and releases: 0,
	// as RFC 1002 5.1.1.1 builds them and nmbd sends them.
	claimTTL = 0
	// bcastRetryTimeout and bcastRetryCount are RFC 1002 6's
	// BCAST_REQ_RETRY_TIMEOUT and BCAST_REQ_RETRY_COUNT: a broadcast claim
	// goes out three times, 250 ms apart, and stands if no node objected
	// 250 ms after the last one.
	bcastRetryTimeout = 250 * time.Millisecond
	bcastRetryCount   = 3
	// lateResponseGrace keeps a claim's transaction ID known for a while
	// after its last retry, so that a defence arriving late still marks the
	// name in conflict.
	lateResponseGrace = 2 * time.Second
)

// NameServiceBuilt reports whether this binary has the NetBIOS name
// service; the tinysmbd_nonbns build tag leaves it out.
const NameServiceBuilt = true

// nbState is the state of one name on one subnet.
type nbState uint8

const (
	// nbRegistering: the claim is being broadcast. Unicast queries are
	// answered, broadcast ones not yet.
	nbRegistering nbState = iota
	// nbRegistered: nobody objected; the name is ours and defended.
	nbRegistered
	// nbConflict: another node owns the (unique) name; it is neither
	// answered for nor defended, and the node status shows CNF.
	nbConflict
	// nbReleased: released at shutdown.
	nbReleased
)

func (st nbState) String() string {
	switch st {
	case nbRegistering:
		return "registering"
	case nbRegistered:
		return "registered"
	case nbConflict:
		return "conflict"
	}
	return "released"
}

// nbName is one name of the name table.
type nbName struct {
	name    string // upper case, at most 15 bytes
	suffix  byte
	group   bool
	encoded []byte // first-level encoding, no scope
}

// label returns the name as logs and Samba print it: NAME<xx>.
func (n *nbName) label() string {
	const hex = "0123456789abcdef"
	return n.name + "<" + string([]byte{hex[n.suffix>>4], hex[n.suffix&0xF]}) + ">"
}

// nbFlags returns the NB_FLAGS of the name: B-node, and G for a group.
func (n *nbName) nbFlags() uint16 {
	if n.group {
		return netbt.NBGroup | netbt.NBOntB
	}
	return netbt.NBOntB
}

// pendingClaim is a registration or refresh whose transaction ID a negative
// response may answer.
type pendingClaim struct {
	name    int
	subnet  *subnet
	expires time.Time
}

// nameService is the name service's part of a Service.
type nameService struct {
	svc   *Service
	log   *slog.Logger
	port  uint16 // of every socket, and where broadcasts go
	names []*nbName

	// pending and nextID are guarded by svc.mu.
	pending map[uint16]pendingClaim
	nextID  uint16
}

// newNameService works out the name table: <00>, the workstation service,
// which nmblookup asks for by default, and <20>, the file server, which a
// client asks for to connect, of the name and each alias; the workgroup as
// the groups <00> and <1E> (browser elections), like nmbd.
func newNameService(svc *Service, port uint16) (*nameService, error) {
	ns := &nameService{
		svc:     svc,
		log:     svc.log,
		port:    port,
		pending: make(map[uint16]pendingClaim),
		nextID:  uint16(rand.Uint32()),
	}
	cfg := &svc.cfg
	var names []nbName
	for _, name := range append([]string{cfg.Name}, cfg.Aliases...) {
		if len(name) == 0 || len(name) > netbt.MaxNameLen {
			return nil, fmt.Errorf("netbios: NetBIOS alias %q must be 1 to %d bytes", name, netbt.MaxNameLen)
		}
		names = append(names, nbName{name: name}, nbName{name: name, suffix: 0x20})
	}
	names = append(names, nbName{name: cfg.Workgroup, group: true}, nbName{name: cfg.Workgroup, suffix: 0x1E, group: true})
next:
	for _, n := range names {
		n.name = strings.ToUpper(n.name)
		for _, have := range ns.names {
			if have.name == n.name && have.suffix == n.suffix {
				continue next
			}
		}
		n.encoded = netbt.EncodeName(nil, n.name, n.suffix, "")
		ns.names = append(ns.names, &n)
	}
	return ns, nil
}

// open binds sn's name service sockets.
func (ns *nameService) open(sn *subnet) error {
	ss, err := ns.svc.bind(sn, ns.port, "name service", ns.log)
	if err != nil {
		return err
	}
	if ns.port == 0 {
		// Port 0 in Listen (tests): the first socket picks the port, and
		// the other sockets and the broadcasts follow it.
		ns.port = uint16(ss.bcast.Port)
	}
	sn.ns = ss
	sn.state = make([]nbState, len(ns.names))
	return nil
}

// newIDLocked returns a fresh NAME_TRN_ID. svc.mu is held.
func (ns *nameService) newIDLocked() uint16 {
	ns.nextID++
	return ns.nextID
}

// send writes one datagram from subnet sn's address.
func (ns *nameService) send(sn *subnet, b []byte, to net.Addr) {
	ns.svc.send(sn, sn.ns.uc, b, to, ns.log)
}

// sleep waits d, or returns false at once if the service is stopping.
func (ns *nameService) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ns.svc.stop:
		return false
	}
}

// register claims every name on each of subnets by broadcast (RFC 1002
// 5.1.1.1 and 5.1.1.2): the same request, with the same transaction ID,
// three times 250 ms apart; a name nobody objected to by then is ours.
func (ns *nameService) register(subnets []*subnet) {
	if len(subnets) == 0 {
		return
	}
	type claim struct {
		name int
		sn   *subnet
		id   uint16
	}
	var claims []claim
	mu := &ns.svc.mu
	mu.Lock()
	expires := time.Now().Add(bcastRetryCount*bcastRetryTimeout + lateResponseGrace)
	for ni := range ns.names {
		for _, sn := range subnets {
			id := ns.newIDLocked()
			ns.pending[id] = pendingClaim{name: ni, subnet: sn, expires: expires}
			claims = append(claims, claim{ni, sn, id})
		}
	}
	mu.Unlock()

	var out []byte
	for range bcastRetryCount {
		mu.Lock()
		for _, c := range claims {
			n := ns.names[c.name]
			if c.sn.state[c.name] != nbRegistering {
				continue
			}
			out = netbt.AppendNameRegistrationRequest(out[:0], c.id, n.encoded, claimTTL,
				netbt.AddrEntry{Flags: n.nbFlags(), Addr: c.sn.addr}, true)
			ns.send(c.sn, out, c.sn.ns.bcast)
		}
		mu.Unlock()
		if !ns.sleep(bcastRetryTimeout) {
			return
		}
	}
	mu.Lock()
	for _, c := range claims {
		if c.sn.state[c.name] == nbRegistering {
			c.sn.state[c.name] = nbRegistered
			n := ns.names[c.name]
			ns.log.Info("registered NetBIOS name", "name", n.label(), "group", n.group,
				"interface", c.sn.ifname, "addr", c.sn.addr.String())
		}
	}
	mu.Unlock()
}

// refresh broadcasts a refresh of each registered name (RFC 1002 4.2.4),
// once: an objection marks the name in conflict like an objection to the
// claim.
func (ns *nameService) refresh() {
	var out []byte
	now := time.Now()
	ns.svc.mu.Lock()
	defer ns.svc.mu.Unlock()
	for id, pc := range ns.pending {
		if now.After(pc.expires) {
			delete(ns.pending, id)
		}
	}
	for ni, n := range ns.names {
		for _, sn := range ns.svc.subnets {
			if sn.state[ni] != nbRegistered {
				continue
			}
			id := ns.newIDLocked()
			ns.pending[id] = pendingClaim{name: ni, subnet: sn, expires: now.Add(bcastRetryTimeout + lateResponseGrace)}
			out = netbt.AppendNameRefreshRequest(out[:0], id, n.encoded, claimTTL,
				netbt.AddrEntry{Flags: n.nbFlags(), Addr: sn.addr}, true)
			ns.send(sn, out, sn.ns.bcast)
		}
	}
}

// release releases the registered names by broadcast; the registrar has
// stopped. RFC 1002 5.1.1.4: nobody answers a B-node's release, so it goes
// out three times, 250 ms apart, like a claim.
func (ns *nameService) release() {
	type release struct {
		name int
		sn   *subnet
		id   uint16
	}
	var releases []release
	ns.svc.mu.Lock()
	for ni, n := range ns.names {
		for _, sn := range ns.svc.subnets {
			if sn.state[ni] == nbRegistered {
				sn.state[ni] = nbReleased
				releases = append(releases, release{ni, sn, ns.newIDLocked()})
				ns.log.Info("releasing NetBIOS name", "name", n.label(), "addr", sn.addr.String())
			}
		}
	}
	ns.svc.mu.Unlock()
	var out []byte
	for try := range bcastRetryCount {
		if len(releases) == 0 {
			break
		}
		if try > 0 {
			time.Sleep(bcastRetryTimeout)
		}
		for _, r := range releases {
			n := ns.names[r.name]
			out = netbt.AppendNameReleaseRequest(out[:0], r.id, n.encoded,
				netbt.AddrEntry{Flags: n.nbFlags(), Addr: r.sn.addr}, true)
			ns.send(r.sn, out, r.sn.ns.bcast)
		}
	}
}

// fromSelf reports a datagram this service sent: broadcasts loop back to
// the sender's own socket.
func (ns *nameService) fromSelf(src netip.AddrPort) bool {
	return src.Port() == ns.port && ns.ours(src.Addr())
}

// ours reports whether a is the address of one of the subnets.
func (ns *nameService) ours(a netip.Addr) bool {
	ns.svc.mu.Lock()
	found := false
	for _, sn := range ns.svc.subnets {
		found = found || sn.addr == a
	}
	ns.svc.mu.Unlock()
	return found
}

// lookup returns the index of the encoded name in the name table, or -1.
// Names compare without regard to ASCII case; a scope never matches, since
// the service has none.
func (ns *nameService) lookup(encoded []byte) int {
	var buf [netbt.MaxDecodedNameLen]byte
	name, suffix, scope, _, err := netbt.DecodeName(buf[:0], encoded)
	if err != nil || len(scope) != 0 {
		return -1
	}
	for i, n := range ns.names {
		if n.suffix == suffix && asciiEqualFold(name, n.name) {
			return i
		}
	}
	return -1
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if 'a' <= d && d <= 'z' {
			d -= 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// handle serves one datagram that arrived on subnet sn. Answers go from
// subnet sn's address to the sender's address and port, whatever port that
// is (nmblookup and nbtscan use a random one).
func (ns *nameService) handle(out, b []byte, sn *subnet, from *net.UDPAddr) []byte {
	src := from.AddrPort()
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	p, err := netbt.ParseNameServicePacket(b)
	if err != nil {
		ns.log.Debug("malformed name service packet", "from", from.String(), "err", err)
		return out
	}
	if ns.fromSelf(src) {
		return out
	}
	if !p.IsResponse() {
		switch p.Opcode() {
		case netbt.OpcodeQuery:
			q, ok := p.Question()
			if !ok {
				return out
			}
			switch q.Type() {
			case netbt.RRTypeNB:
				return ns.answerQuery(out, p, q, from, sn)
			case netbt.RRTypeNBSTAT:
				return ns.answerStatus(out, p, q, from, sn)
			}
		case netbt.OpcodeRegistration, netbt.OpcodeRefresh, netbt.OpcodeRefreshAlt, netbt.OpcodeMultihomedRegistration:
			return ns.defend(out, p, from, src, sn)
		}
		return out
	}
	switch p.Opcode() {
	case netbt.OpcodeRegistration, netbt.OpcodeRefresh, netbt.OpcodeRefreshAlt:
		ns.objection(p, src, sn)
	case netbt.OpcodeWACK:
		// Only a NetBIOS name server sends WACKs; a B-node has none to wait
		// for, and its claims stand after 750 ms regardless.
		ns.log.Debug("ignoring WACK", "from", from.String())
	}
	return out
}

// answerQuery answers a name query (RFC 1002 5.1.1.5: a B-node answers for
// the names in its table) with the address of the subnet it came from. Unicast
// queries for other names get a negative answer, as nmbd gives; broadcast
// ones silence.
func (ns *nameService) answerQuery(out []byte, p netbt.NameServicePacket, q netbt.Question, from net.Addr, sn *subnet) []byte {
	ni := ns.lookup(q.Name())
	ns.svc.mu.Lock()
	st := nbReleased
	var flags uint16
	if ni >= 0 {
		st = sn.state[ni]
		flags = ns.names[ni].nbFlags()
	}
	ns.svc.mu.Unlock()
	if st == nbRegistered || st == nbRegistering && !p.Broadcast() {
		out = netbt.AppendPositiveNameQueryResponse(out, p.TransactionID(), q.Name(), nbnsTTL,
			netbt.AddrEntry{Flags: flags, Addr: sn.addr})
		ns.send(sn, out, from)
		return out
	}
	if !p.Broadcast() {
		out = netbt.AppendNegativeNameQueryResponse(out, p.TransactionID(), q.Name(), netbt.RcodeNamErr)
		ns.send(sn, out, from)
	}
	return out
}

// answerStatus answers a node status request for "*" or one of our names
// with the name table of the subnet it came from and the interface's MAC as
// unit ID (RFC 1002 4.2.18). nbtscan sets B on a unicast request, so B is
// not looked at.
func (ns *nameService) answerStatus(out []byte, p netbt.NameServicePacket, q netbt.Question, from net.Addr, sn *subnet) []byte {
	if ns.lookup(q.Name()) < 0 {
		var buf [netbt.MaxDecodedNameLen]byte
		name, suffix, scope, _, err := netbt.DecodeName(buf[:0], q.Name())
		if err != nil || string(name) != netbt.WildcardName || suffix != 0 || len(scope) != 0 {
			return out
		}
	}
	var table [16]netbt.NodeName
	names := table[:0]
	ns.svc.mu.Lock()
	for ni, n := range ns.names {
		flags := n.nbFlags() | netbt.NameActive
		switch sn.state[ni] {
		case nbReleased:
			continue
		case nbConflict:
			flags |= netbt.NameConflict
		}
		names = append(names, netbt.NodeName{Name: n.name, Suffix: n.suffix, Flags: flags})
	}
	ns.svc.mu.Unlock()
	out = netbt.AppendNodeStatusResponse(out, p.TransactionID(), q.Name(), names, sn.mac)
	ns.send(sn, out, from)
	return out
}

// defend answers another node's claim on one of our names with a negative
// registration response, ACT_ERR (RFC 1002 5.1.1.5): a unique claim on any
// name we hold, or a group claim on a unique one. Two group claims do not
// collide. The response carries our entry, the owner's (RFC 1002 4.2.1.3:
// in responses NB_FLAGS are the actual owner's).
func (ns *nameService) defend(out []byte, p netbt.NameServicePacket, from net.Addr, src netip.AddrPort, sn *subnet) []byte {
	q, okQ := p.Question()
	ar, okAR := p.Additional()
	if !okQ || !okAR {
		return out
	}
	entries, err := ar.AddrEntries()
	if err != nil || entries.Len() == 0 {
		return out
	}
	claim := entries.Entry(0)
	ni := ns.lookup(q.Name())
	if ni < 0 {
		return out
	}
	n := ns.names[ni]
	ns.svc.mu.Lock()
	st := sn.state[ni]
	ns.svc.mu.Unlock()
	if st != nbRegistered || n.group && claim.Flags&netbt.NBGroup != 0 || claim.Addr == sn.addr {
		return out
	}
	out = netbt.AppendNameRegistrationResponse(out, p.TransactionID(), q.Name(), netbt.RcodeActErr, nbnsTTL,
		netbt.AddrEntry{Flags: n.nbFlags(), Addr: sn.addr})
	ns.send(sn, out, from)
	ns.log.Warn("defended NetBIOS name against another node's claim", "name", n.label(),
		"claimant", claim.Addr.String(), "from", src.String(), "opcode", p.Opcode().String(), "interface", sn.ifname)
	return out
}

// objection handles a negative response to one of our claims or refreshes,
// and a name conflict demand (RFC 1002 4.2.8, RCODE CFT_ERR), which may
// come unasked. Either way the unique name is lost on that subnet; a group
// name cannot be, so an objection to one is only logged.
func (ns *nameService) objection(p netbt.NameServicePacket, src netip.AddrPort, sn *subnet) {
	rcode := p.RCode()
	an, ok := p.Answer()
	if rcode == 0 || !ok {
		return
	}
	ni := ns.lookup(an.Name())
	if ni < 0 {
		return
	}
	// The owner is the sender, unless its answer names another node (nmbd
	// echoes the claim's own entry).
	owner := src.Addr()
	if es, err := an.AddrEntries(); err == nil && es.Len() > 0 {
		if a := es.Entry(0).Addr; !a.IsUnspecified() && !ns.ours(a) {
			owner = a
		}
	}
	ns.svc.mu.Lock()
	defer ns.svc.mu.Unlock()
	if rcode != netbt.RcodeCftErr {
		// A negative registration response only counts as the answer to a
		// claim of ours: same transaction ID, same name, in time.
		pc, ok := ns.pending[p.TransactionID()]
		if !ok || pc.name != ni || time.Now().After(pc.expires) {
			return
		}
		sn = pc.subnet
	}
	n := ns.names[ni]
	if n.group {
		ns.log.Warn("another node objected to our group name; keeping it", "name", n.label(),
			"rcode", int(rcode), "from", src.String(), "interface", sn.ifname)
		return
	}
	if sn.state[ni] == nbConflict || sn.state[ni] == nbReleased {
		return
	}
	sn.state[ni] = nbConflict
	ns.log.Error("NetBIOS name in conflict: another node owns it; no longer answering for it",
		"name", n.label(), "owner", owner.String(), "from", src.String(), "rcode", int(rcode),
		"interface", sn.ifname, "addr", sn.addr.String())
}

// states returns the state of every name on every subnet.
func (ns *nameService) states() map[string][]string {
	ns.svc.mu.Lock()
	defer ns.svc.mu.Unlock()
	m := make(map[string][]string)
	for ni, n := range ns.names {
		sts := []string{}
		for _, sn := range ns.svc.subnets {
			sts = append(sts, sn.state[ni].String())
		}
		m[n.label()] = sts
	}
	return m
}
