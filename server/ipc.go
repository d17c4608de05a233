//go:build !tinysmbd_noipc

package server

import (
	"errors"
	"strings"
	"time"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/smb/dcerpc"
	"github.com/tinysmbd/tinysmbd/smb/rap"
)

// IPC$ carries named pipes and the transactions that use them: DCE/RPC
// (srvsvc, wkssvc) through which clients list shares, and RAP on
// \PIPE\LANMAN for older clients and workgroup lists.

// init adds TRANSACTION, which only pipes and RAP use, to the dispatch
// table.
func init() {
	register(
		entry{smb.ComTransaction, command{(*conn).trans, needTree}},
		entry{smb.ComTransactionSecondary, command{(*conn).transSecondary, needTree}},
	)
}

// IPCBuilt reports whether this binary has named pipes, DCE/RPC and RAP
// on IPC$; the tinysmbd_noipc build tag leaves them out.
const IPCBuilt = true

// pipeNames are the only named pipes. Any other name on IPC$ is not found
// and never reaches a file system: Samba's CVE-2017-7494 ("SambaCry")
// loaded a shared library from a client-chosen pipe path.
var pipeNames = [...]string{"srvsvc", "wkssvc"}

// Named pipe facts of the create responses, as Windows and Samba send them:
// NMPipeStatus 0x05FF is a message-mode pipe read in message mode with
// unlimited instances (MS-CIFS 2.2.1.3); the access rights are
// FILE_GENERIC_ALL and, for guests, read and write without append.
const (
	nmPipeStatus      = 0x05FF
	pipeAccess        = 0x001F01FF
	pipeGuestAccess   = 0x0012019B
	fileAttrNormal    = 0x80
	fileOpened        = 1
	transactNmPipe    = 0x0026 // TRANS_TRANSACT_NMPIPE (MS-CIFS 2.2.5.6)
	setNmPHandState   = 0x0001 // TRANS_SET_NMPIPE_STATE (MS-CIFS 2.2.5.1)
	writeModeRaw      = 0x0004
	writeModeMsgStart = 0x0008
	ipcServiceComment = "IPC Service"
	defaultShareRoot  = `C:\`
)

// pipe is a named pipe open on IPC$.
type pipe struct {
	owner fileOwner
	p     *dcerpc.Pipe
}

// pipeTable holds a connection's open pipes by FID, from firstPipeFID. The
// nil table is ready; openPipe makes it.
type pipeTable map[uint16]*pipe

// pipeName returns the allowed pipe a path on IPC$ names: "srvsvc",
// "\srvsvc" and "\PIPE\srvsvc" in any case all name srvsvc.
func pipeName(path string) (string, bool) {
	path = strings.TrimLeft(path, `\`)
	if len(path) > 5 && strings.EqualFold(path[:5], `PIPE\`) {
		path = path[5:]
	}
	for _, n := range pipeNames {
		if strings.EqualFold(path, n) {
			return n, true
		}
	}
	return "", false
}

// openPipe opens the pipe raw names, an SMB path field of the request.
func (c *conn) openPipe(req *request, raw []byte) (uint16, error) {
	name, ok := pipeName(req.path(raw))
	if !ok {
		return 0, smb.StatusObjectNameNotFound
	}
	if c.pipes == nil {
		c.pipes = make(pipeTable)
	}
	fid := uint16(firstPipeFID)
	for c.pipes[fid] != nil {
		if fid++; fid == 0xFFFF {
			return 0, smb.StatusTooManyOpenedFiles
		}
	}
	srv := c.serverInfo()
	svc := dcerpc.Wkssvc(srv)
	if name == "srvsvc" {
		svc = dcerpc.Srvsvc(c.shares(c.sessions[req.uid]), srv)
	}
	c.pipes[fid] = &pipe{
		owner: fileOwner{tid: req.tid, uid: req.uid, pid: req.hdr.PID()},
		p:     dcerpc.NewPipe(name, uint32(c.id)<<16|uint32(fid), svc),
	}
	return fid, nil
}

// ntCreatePipe answers NT_CREATE_ANDX on IPC$. (OPEN_ANDX on IPC$, how
// LAN Manager clients open pipes, stays refused: the clients listing shares
// use NT_CREATE_ANDX or RAP.)
func (c *conn) ntCreatePipe(req *request, nc smb.NTCreateRequest) error {
	fid, err := c.openPipe(req, nc.FileName())
	if err != nil {
		return err
	}
	resp := smb.NTCreateResponse{
		Extended:          nc.Flags()&smb.NTCreateRequestExtendedResponse != 0,
		FID:               fid,
		CreateAction:      fileOpened,
		ExtFileAttributes: fileAttrNormal,
		ResourceType:      smb.FileTypeMessageModePipe,
		NMPipeStatus:      nmPipeStatus,
	}
	if resp.Extended {
		resp.MaximalAccessRights, resp.GuestMaximalAccessRights = pipeAccess, pipeGuestAccess
	}
	resp.Encode(&req.resp)
	return nil
}

// pipeOf returns the pipe fid of the request's tree, or nil.
func (c *conn) pipeOf(req *request, fid uint16) *pipe {
	if p := c.pipes[fid]; p != nil && p.owner.tid == req.tid {
		return p
	}
	return nil
}

// closePipe closes fid if it is a pipe of the request's tree, and reports
// whether it was.
func (c *conn) closePipe(req *request, fid uint16) bool {
	if c.pipeOf(req, fid) == nil {
		return false
	}
	delete(c.pipes, fid)
	return true
}

// closePipesWhere forgets the pipes whose owner matches.
func (c *conn) closePipesWhere(match func(fileOwner) bool) {
	for fid, p := range c.pipes {
		if match(p.owner) {
			delete(c.pipes, fid)
		}
	}
}

// pipeStatus maps a Pipe's write error to the status Windows gives.
func pipeStatus(err error) error {
	if errors.Is(err, dcerpc.ErrFull) {
		return smb.StatusPipeBusy
	}
	return smb.StatusPipeDisconnected
}

// readPipe answers READ_ANDX when its FID is a pipe of the request's tree,
// and reports whether it was. It returns at most one reply PDU, as a
// message-mode pipe reads, and STATUS_BUFFER_OVERFLOW with the data when
// the PDU does not fit (MS-CIFS 3.2.5.36: such a reply is a complete
// READ_ANDX response). Available counts the bytes left to read (MS-CIFS
// 2.2.4.42.2).
func (c *conn) readPipe(req *request, q smb.ReadAndXRequest) (bool, error) {
	p := c.pipeOf(req, q.FID())
	if p == nil {
		return false, nil
	}
	n := min(int(q.MaxCountOfBytesToReturn()), p.p.MessageLeft())
	smb.BeginReadAndXResponse(&req.resp, uint16(min(p.p.Buffered()-n, 0xFFFF)), n)
	if _, more := p.p.Read(req.resp.Extend(n)); more {
		req.status = smb.StatusBufferOverflow
		return true, errStop
	}
	return true, nil
}

// writePipe answers WRITE_ANDX when its FID is a pipe of the request's
// tree, and reports whether it was. A write in raw mode that starts a
// message begins with the message's length, which Windows and Samba skip
// (MS-CIFS 2.2.4.43.1).
func (c *conn) writePipe(req *request, q smb.WriteAndXRequest) (bool, error) {
	p := c.pipeOf(req, q.FID())
	if p == nil {
		return false, nil
	}
	data := q.Data()
	if q.WriteMode()&(writeModeRaw|writeModeMsgStart) == writeModeRaw|writeModeMsgStart && len(data) >= 2 {
		data = data[2:]
	}
	if err := p.p.Write(data); err != nil {
		return true, pipeStatus(err)
	}
	smb.EncodeWriteAndXResponse(&req.resp, uint32(len(q.Data())), 0)
	return true, nil
}

func (c *conn) trans(req *request, b smb.Block) error {
	return c.transPrimary(req, b, (*conn).runTrans)
}

func (c *conn) transSecondary(req *request, b smb.Block) error {
	return c.transNext(req, b, (*conn).runTrans)
}

// runTrans serves a complete TRANSACTION (MS-CIFS 3.3.5.57) by its name:
// RAP on \PIPE\LANMAN, on any tree as Windows and Samba allow; a named pipe
// subcommand on \PIPE\. Mailslots and other names get
// STATUS_NOT_SUPPORTED, as from Samba.
func (c *conn) runTrans(req *request, t *smb.TransRequest) error {
	var buf [64]byte
	name := string(smb.DecodeString(buf[:0], t.Name, t.Unicode))
	switch {
	case strings.EqualFold(name, `\PIPE\LANMAN`):
		return c.rap(req, t)
	case len(name) >= 6 && strings.EqualFold(name[:6], `\PIPE\`):
		return c.pipeTrans(req, t)
	}
	return smb.StatusNotSupported
}

// pipeTrans serves a named pipe subcommand, Setup[0], on the pipe whose FID
// is Setup[1] (MS-CIFS 2.2.5).
func (c *conn) pipeTrans(req *request, t *smb.TransRequest) error {
	if t.SetupCount() != 2 {
		return smb.StatusInvalidParameter
	}
	p := c.pipeOf(req, t.SetupWord(1))
	if p == nil {
		return smb.StatusInvalidHandle
	}
	switch t.SetupWord(0) {
	case transactNmPipe:
		// MS-CIFS 3.3.5.57.7: write the data, then answer with what
		// a read returns, STATUS_BUFFER_OVERFLOW with the data if the
		// reply PDU is larger than MaxDataCount.
		if err := p.p.Write(t.Data); err != nil {
			return pipeStatus(err)
		}
		out := &c.transOut
		n := min(int(t.MaxDataCount), p.p.MessageLeft())
		if cap(out.data) < n {
			out.data = make([]byte, n)
		}
		out.data = out.data[:n]
		_, more := p.p.Read(out.data)
		if err := c.sendTrans(req, smb.ComTransaction, nil, out.data); err != nil {
			return err
		}
		if more {
			req.status = smb.StatusBufferOverflow
			return errStop
		}
		return nil
	case setNmPHandState:
		// The pipe stays a blocking message-mode pipe whatever the
		// client asks; Samba answers success too.
		return c.sendTrans(req, smb.ComTransaction, nil, nil)
	}
	return smb.StatusInvalidParameter
}

// rap serves a RAP request (MS-RAP 3.2.5).
func (c *conn) rap(req *request, t *smb.TransRequest) error {
	params, data := rap.Serve(t.Params, c.rapServer(c.sessions[req.uid]))
	if len(data) > int(t.MaxDataCount) {
		return smb.StatusBufferOverflow
	}
	return c.sendTrans(req, smb.ComTransaction, params[:min(len(params), int(t.MaxParameterCount))], data)
}

// shares lists the shares session s may connect to, in configuration
// order, then IPC$: a guest, the null session included, sees the shares
// that admit guests, a user those its lists let in. Names ending
// in '$' are marked STYPE_SPECIAL, as Windows marks administrative shares;
// srvsvc lists them (clients hide them), RAP does not.
func (c *conn) shares(s *session) []dcerpc.ShareInfo {
	var out []dcerpc.ShareInfo
	set := c.srv.shares.Load()
	for _, st := range set.list {
		sh := st.cfg
		if s == nil || set.right(st, s) == rightNone {
			continue
		}
		typ := dcerpc.STypeDiskTree
		if strings.HasSuffix(sh.Name, "$") {
			typ |= dcerpc.STypeSpecial
		}
		out = append(out, dcerpc.ShareInfo{Name: sh.Name, Type: typ, Comment: sh.Comment, Path: defaultShareRoot})
	}
	ipc := ipcServiceComment
	if cm := c.srv.cfg.ServerComment; cm != "" {
		ipc += " (" + cm + ")"
	}
	return append(out, dcerpc.ShareInfo{Name: "IPC$", Type: dcerpc.STypeIPC | dcerpc.STypeSpecial, Comment: ipc})
}

func (c *conn) serverInfo() dcerpc.ServerInfo {
	return dcerpc.ServerInfo{
		Name: c.srv.cfg.NetBIOSName, Domain: c.srv.cfg.Workgroup, Comment: c.srv.cfg.ServerComment,
		Type: serverType, VersionMajor: serverOSMajor, VersionMinor: serverOSMinor,
	}
}

// rapServer is what RAP reports to session s.
func (c *conn) rapServer(s *session) *rap.Server {
	srv := &rap.Server{
		Name: c.srv.cfg.NetBIOSName, Domain: c.srv.cfg.Workgroup, Comment: c.srv.cfg.ServerComment,
		Type: serverType, VersionMajor: serverOSMajor, VersionMinor: serverOSMinor,
		Now: time.Now(),
	}
	if s != nil {
		srv.User = s.user
	}
	srv.Shares = c.shares(s)
	return srv
}
