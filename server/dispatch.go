package server

import (
	"bytes"
	"errors"
	"net"
	"strings"

	"github.com/tinysmbd/tinysmbd/netbt"
	"github.com/tinysmbd/tinysmbd/smb"
)

// handleSessionRequest answers a NetBT session request (RFC 1002 4.3.2). By
// default any called name is accepted, as Samba does: clients use our name,
// "*SMBSERVER", or the address they dialled. With StrictCalledName, other
// names get negative response 0x82 and the connection closes, which makes
// smbclient retry with "*SMBSERVER".
func (c *conn) handleSessionRequest(payload []byte) error {
	if c.framing != FramingNetBT {
		return errClose{"NetBT session request on a direct-hosted connection"}
	}
	req, err := netbt.ParseSessionRequest(payload)
	if err != nil {
		c.log.Warn("bad NetBT session request", "err", err)
		c.sendNetBT(func(b []byte) []byte { return netbt.AppendNegativeResponse(b, netbt.CodeUnspecified) })
		return errClose{"malformed session request"}
	}
	var nameBuf, callingBuf [64]byte
	called, suffix, _, _, err := netbt.DecodeName(nameBuf[:0], req.CalledName())
	if err != nil {
		c.sendNetBT(func(b []byte) []byte { return netbt.AppendNegativeResponse(b, netbt.CodeUnspecified) })
		return errClose{"malformed called name"}
	}
	calling, _, _, _, _ := netbt.DecodeName(callingBuf[:0], req.CallingName())
	if c.srv.cfg.StrictCalledName && !c.calledNameOK(string(called), suffix) {
		c.logLimited(logRefused, "NetBT session refused: called name not present", "called", string(called), "calling", string(calling))
		c.sendNetBT(func(b []byte) []byte { return netbt.AppendNegativeResponse(b, netbt.CodeCalledNameNotPresent) })
		return errClose{"called name not present"}
	}
	c.sessionRequested = true
	c.log.Debug("NetBT session request accepted", "called", string(called), "calling", string(calling))
	c.sendNetBT(netbt.AppendPositiveResponse)
	return nil
}

func (c *conn) calledNameOK(called string, suffix byte) bool {
	if suffix != 0x20 && called != "*SMBSERVER" {
		return false
	}
	if strings.EqualFold(called, c.srv.cfg.NetBIOSName) || called == "*SMBSERVER" {
		return true
	}
	if host, _, err := net.SplitHostPort(c.nc.LocalAddr().String()); err == nil && strings.EqualFold(called, host) {
		return true
	}
	return false
}

// sendNetBT queues a non-message NetBT packet built by appendPkt.
func (c *conn) sendNetBT(appendPkt func([]byte) []byte) {
	buf := c.srv.bufPool.get()
	*buf = appendPkt(*buf)
	c.send(buf, false)
}

// handler runs one command block. It appends the response block to r and
// returns nil, or returns an error: an smb.NTStatus becomes an error reply
// for this block, errNoReply suppresses the reply (NT_CANCEL, an incomplete
// transaction), and errClose ends the connection.
type handler func(c *conn, req *request, b smb.Block) error

// request is the state of one incoming message while it is handled.
type request struct {
	hdr  smb.Header
	resp smb.Response
	buf  *[]byte
	// alone asks the writer to send this response in a segment of its own.
	alone bool
	// uid and tid are the values the response header carries; handlers
	// that create a session or tree set them for the blocks that follow.
	uid, tid uint16
	unicode  bool
	// status is the header status of a reply whose block is complete but
	// not a plain success, such as STATUS_MORE_PROCESSING_REQUIRED.
	status smb.NTStatus
	// chainFID is the FID an earlier block of the chain opened, valid
	// when hasChainFID is set; see fid.
	chainFID    uint16
	hasChainFID bool
	// section is file data the reply carries after its bytes (sendfile.go).
	section fileSection
	// sign is how the reply is signed (signing.go).
	sign replySign
	// transBlock is the primary block of a transaction that came whole in
	// this message, which replaying the message runs again: an oplock
	// break may defer it (oplock.go). Zero otherwise.
	transBlock smb.Block
	// tracePath is the first path the message's blocks touched, by name
	// (req.path) or by FID (lookupFile), for the -v trace line.
	tracePath string
}

// fid is the file a block names: once a block of the chain has opened a
// file, the blocks after it act on that file whatever their FID field
// says, as Samba's chain_fsp does (clients such as smbtorture leave the
// field 0 in an OPEN_ANDX+READ_ANDX chain: MS-CIFS 3.3.5.35 lets the
// follower use the FID just returned).
func (req *request) fid(fid uint16) uint16 {
	if req.hasChainFID {
		return req.chainFID
	}
	return fid
}

// setUID and setTID make the reply header, and the rest of the chain, use a
// session or tree just created.
func (req *request) setUID(uid uint16) {
	req.uid = uid
	req.resp.Header().SetUID(uid)
}

func (req *request) setTID(tid uint16) {
	req.tid = tid
	req.resp.Header().SetTID(tid)
}

var (
	errNoReply = errors.New("no reply")
	// errStop ends the chain after a block that was answered in full.
	errStop = errors.New("stop chain")
)

// command is an entry of the dispatch table: the handler and what must
// exist before it runs.
type command struct {
	fn    handler
	needs needs
}

// needs are the preconditions the dispatcher checks, in this order, before
// a handler runs (MS-CIFS 3.3.5.2). A handler that acts on a FID looks the
// FID up itself, after parsing its block, since a malformed block is
// answered before a bad FID.
type needs uint8

const (
	// needSession is a valid UID.
	needSession needs = 1 << iota
	// needTID is a connected TID, whatever the UID.
	needTID
	// needFileSlot is room for one more open file in the session
	// (Config.MaxOpenFilesPerSession): checked before the command runs,
	// so a create over the limit creates nothing (limits.go).
	needFileSlot
	needNothing needs = 0
	// needTree is a valid UID and a connected TID.
	needTree = needSession | needTID
)

// commands is the dispatch table, indexed by command code like x/net/http2's
// frameParsers. Codes without an entry get STATUS_SMB_BAD_COMMAND
// (ERRSRV/ERRbadcmd), never a panic. The families a build tag can leave
// out add their entries with register: the core commands (core.go) and
// TRANSACTION, which carries IPC$'s pipes and RAP (ipc.go). A Server
// dispatches through its own pointer to the table (Server.commands).
var commands = [256]command{
	smb.ComNegotiate:        {(*conn).negotiate, needNothing},
	smb.ComSessionSetupAndX: {(*conn).sessionSetup, needNothing},
	smb.ComLogoffAndX:       {(*conn).logoff, needSession},
	smb.ComTreeConnectAndX:  {(*conn).treeConnect, needSession},
	// A tree outlives the session that connected it: any UID may
	// disconnect it, as in Samba (smbtorture raw.context tree_ulogoff).
	smb.ComTreeDisconnect: {(*conn).treeDisconnect, needTID},
	smb.ComEcho:           {(*conn).echo, needNothing},
	smb.ComNTCancel:       {(*conn).ntCancel, needNothing},

	smb.ComNTCreateAndX:   {(*conn).ntCreate, needTree | needFileSlot},
	smb.ComOpenAndX:       {(*conn).openAndX, needTree | needFileSlot},
	smb.ComReadAndX:       {(*conn).readAndX, needTree},
	smb.ComWriteAndX:      {(*conn).writeAndX, needTree},
	smb.ComClose:          {(*conn).close, needTree},
	smb.ComFlush:          {(*conn).flush, needTree},
	smb.ComClosePrintFile: {(*conn).closePrintFile, needTree},

	smb.ComLockingAndX:     {(*conn).lockingAndX, needTree},
	smb.ComLockByteRange:   {(*conn).byteRange, needTree},
	smb.ComUnlockByteRange: {(*conn).byteRange, needTree},

	smb.ComDelete:               {(*conn).delete, needTree},
	smb.ComRename:               {(*conn).rename, needTree},
	smb.ComNTRename:             {(*conn).ntRename, needTree},
	smb.ComCreateDirectory:      {(*conn).createDirectory, needTree},
	smb.ComDeleteDirectory:      {(*conn).deleteDirectory, needTree},
	smb.ComCheckDirectory:       {(*conn).checkDirectory, needTree},
	smb.ComQueryInformation:     {(*conn).queryInformation, needTree},
	smb.ComSetInformation:       {(*conn).setInformation, needTree},
	smb.ComQueryInformationDisk: {(*conn).queryInformationDisk, needTree},

	smb.ComTransaction2:          {(*conn).trans2, needTree},
	smb.ComTransaction2Secondary: {(*conn).trans2Secondary, needTree},
	smb.ComFindClose2:            {(*conn).findClose2, needTree},
	smb.ComNTTransact:            {(*conn).ntTransact, needTree},
	smb.ComNTTransactSecondary:   {(*conn).ntTransactSecondary, needTree},
}

// entry is a command code with its table entry, for register.
type entry struct {
	code uint8
	command
}

// register adds the entries of a family that a build tag can leave out.
// It runs from that family's init function only.
func register(entries ...entry) {
	for _, e := range entries {
		commands[e.code] = e.command
	}
}

// handleMessage serves one SMB message: every block of its AndX chain, with
// the responses chained into one reply (MS-CIFS 3.3.5.2.1: the server
// processes each command and sends a single chained response).
func (c *conn) handleMessage(msg []byte) error {
	if len(msg) >= 4 && bytes.Equal(msg[:4], smb.ProtocolSMB2[:]) {
		c.log.Warn("client sent an SMB2 NEGOTIATE; tinysmbd speaks SMB1 only — allow NT1 on the client (smbclient: --option='client min protocol=NT1')")
		return errClose{"SMB2 not supported"}
	}
	if err := c.checkSignature(msg); err != nil {
		return err
	}
	m, err := smb.ParseMessage(msg)
	if err != nil {
		if _, herr := smb.ParseHeader(msg); herr != nil {
			return errClose{"not an SMB1 message: " + err.Error()}
		}
		// A good header with a broken body: answer it, keep the
		// connection (MS-CIFS 3.3.5.2: STATUS_INVALID_SMB).
		c.log.Warn("malformed SMB", "err", err, "command", smb.CommandName(msg[4]))
		hdr := smb.Header(msg[:smb.HeaderLen])
		req := c.newRequest(hdr)
		req.resp.Empty(hdr.Command())
		req.resp.SetStatus(smb.StatusInvalidSMB)
		return c.finish(req)
	}
	if m.Header.IsReply() {
		// Clients do not send replies, except a break acknowledgement,
		// which is a request. Drop it, as Samba does.
		c.log.Warn("dropping an SMB with the reply flag set", "command", smb.CommandName(m.Header.Command()))
		return nil
	}
	req := c.newRequest(m.Header)
	status := smb.StatusSuccess
	reply := true
	chain := m.Chain()
	var chained traceChain
	for chain.Next() {
		b := chain.Block()
		chained.add(b.Command)
		err := c.dispatch(req, b)
		if err == nil {
			continue
		}
		if err == errNoReply {
			reply = false
			break
		}
		if err == errPending {
			// The handler owns req now and will send its reply.
			return nil
		}
		if err == errStop {
			status = req.status
			break
		}
		var st smb.NTStatus
		if errors.As(err, &st) {
			status = st
			req.resp.Empty(b.Command)
			req.section = fileSection{}
			break
		}
		return err
	}
	if err := chain.Err(); err != nil && status == smb.StatusSuccess {
		c.log.Warn("malformed AndX chain", "err", err)
		status = smb.StatusInvalidSMB
		req.resp.Empty(smb.ComNoAndXCommand)
		req.section = fileSection{}
	}
	if c.trace() {
		c.traceMessage(m.Header, &chained, status, len(msg), reply, req)
	}
	if !reply {
		c.srv.bufPool.put(req.buf)
		c.releaseRequest(req)
		return nil
	}
	req.resp.SetStatus(status)
	return c.finish(req)
}

// traceChain remembers the commands of an AndX chain for the trace line,
// without allocating: chains are short (smb caps their depth), and one
// beyond its room only shows as "+...".
type traceChain struct {
	cmds [6]uint8
	n    int
}

func (t *traceChain) add(cmd uint8) {
	if t.n < len(t.cmds) {
		t.cmds[t.n] = cmd
	}
	t.n++
}

// String names the commands, "NT_CREATE_ANDX+READ_ANDX".
func (t *traceChain) String() string {
	var b strings.Builder
	for i := range min(t.n, len(t.cmds)) {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(smb.CommandName(t.cmds[i]))
	}
	if t.n > len(t.cmds) {
		b.WriteString("+...")
	}
	return b.String()
}

// traceMessage writes the -v trace line of one message: the commands of
// its chain, the header's IDs, the status and the sizes, "smb
// NT_CREATE_ANDX+READ_ANDX mid=4 uid=100 tid=1 pid=31350
// status=STATUS_SUCCESS in=121 out=180 path=\\dir\\a.txt" ("out=-" when
// there is no reply, path="" when no block named a file).
func (c *conn) traceMessage(hdr smb.Header, chained *traceChain, status smb.NTStatus, in int, reply bool, req *request) {
	name := chained.String()
	if name == "" {
		name = smb.CommandName(hdr.Command())
	}
	var out any = "-"
	if reply {
		out = len(req.resp.Bytes()) - 4
	}
	c.log.Debug("smb "+name, "mid", hdr.MID(), "uid", hdr.UID(), "tid", hdr.TID(), "pid", hdr.PID(),
		"status", status.Error(), "in", in, "out", out, "path", req.tracePath)
}

func (c *conn) dispatch(req *request, b smb.Block) error {
	cmd := c.srv.commands[b.Command]
	if cmd.fn == nil {
		if c.trace() {
			c.log.Debug("unimplemented command", "cmd", smb.CommandName(b.Command), "code", b.Command)
		}
		return smb.StatusSMBBadCommand
	}
	if cmd.needs&needSession != 0 {
		s := c.sessions[req.uid]
		if s == nil || !s.valid {
			return c.badContext(b.Command, smb.StatusSMBBadUID)
		}
	}
	if cmd.needs&needTID != 0 {
		if _, ok := c.trees[req.tid]; !ok {
			return c.badContext(b.Command, smb.StatusSMBBadTID)
		}
	}
	if cmd.needs&needFileSlot != 0 && c.sessionOpenFilesAtLimit(req.uid) {
		return smb.StatusTooManyOpenedFiles
	}
	return cmd.fn(c, req, b)
}

// badContext is the status for a request whose UID or TID is not valid.
// MS-CIFS 3.3.5.2 names ERRSRV/ERRbaduid and ERRSRV/ERRinvnid; Windows
// sends those for NT_CREATE_ANDX, NT_CANCEL, LOGOFF_ANDX and
// TREE_DISCONNECT only, and STATUS_INVALID_HANDLE for every other command
// to a client that takes NT status codes, as Samba 4's reference server
// did (smbtorture raw.context checks both).
func (c *conn) badContext(cmd uint8, dos smb.NTStatus) smb.NTStatus {
	switch cmd {
	case smb.ComNTCreateAndX, smb.ComNTCancel, smb.ComLogoffAndX, smb.ComTreeDisconnect:
		return dos
	}
	if c.clientCaps&smb.CapStatus32 != 0 {
		return smb.StatusInvalidHandle
	}
	return dos
}

// newRequest starts the reply to hdr in a pooled buffer, leaving room for
// the 4-byte frame header.
func (c *conn) newRequest(hdr smb.Header) *request {
	buf := c.srv.bufPool.get()
	*buf = append(*buf, 0, 0, 0, 0)
	req := popSpare(&c.spareRequests)
	*req = request{hdr: hdr, buf: buf, uid: hdr.UID(), tid: hdr.TID(), unicode: hdr.Unicode(), sign: c.sign.cur}
	// The reply echoes what the client said it understands and adds what we
	// always do (MS-CIFS 2.2.3.1; Samba's common_flags2).
	flags2 := smb.Flags2LongNames | smb.Flags2IsLongName | smb.Flags2EAs |
		hdr.Flags2()&(smb.Flags2Unicode|smb.Flags2NTStatus|smb.Flags2ExtendedSecurity|c.echoSignatureFlag())
	req.resp.Begin(*buf, hdr, flags2)
	return req
}

// finish fills the frame header, queues the reply and recycles req.
func (c *conn) finish(req *request) error {
	b := req.resp.Bytes()
	putFrameHeaderLen(b, len(b)-4+req.section.n, c.framing)
	signReply(req, b)
	*req.buf = b
	err := c.w.send(outMsg{buf: req.buf, alone: req.alone, section: req.section})
	c.releaseRequest(req)
	return err
}

// releaseRequest keeps req for the next message: the reader handles one
// message at a time, so a connection needs only a few request records
// (more only while a handler sends several replies), and steady-state
// traffic allocates none.
func (c *conn) releaseRequest(req *request) {
	*req = request{}
	c.spareRequests = append(c.spareRequests, req)
}

// putFrameHeader writes the 4-byte header in front of a message: NetBT's
// session message header (RFC 1002 4.3.1), or direct TCP's zero byte and
// 24-bit length (MS-SMB 2.1).
func putFrameHeader(b []byte, f Framing) { putFrameHeaderLen(b, len(b)-4, f) }

// putFrameHeaderLen writes the header of a frame of n bytes whose first
// len(b)-4 are in b.
func putFrameHeaderLen(b []byte, n int, f Framing) {
	if f == FramingDirect {
		b[0], b[1], b[2], b[3] = 0, byte(n>>16), byte(n>>8), byte(n)
		return
	}
	netbt.PutHeader(b, netbt.TypeSessionMessage, n)
}
