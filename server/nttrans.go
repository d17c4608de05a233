package server

import (
	"encoding/binary"
	"errors"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

func init() {
	register(smb.ComNTTransact, needTree, (*conn).ntTransact)
	register(smb.ComNTTransactSecondary, needTree, (*conn).ntTransactSecondary)
}

// ntTransact serves an NT_TRANSACT primary (MS-CIFS 3.3.5.59).
func (c *conn) ntTransact(req *request, b smb.Block) error {
	return c.transPrimary(req, b, (*conn).runNTTransact)
}

// ntTransactSecondary continues an NT_TRANSACT (MS-CIFS 3.3.5.2.5).
func (c *conn) ntTransactSecondary(req *request, b smb.Block) error {
	return c.transNext(req, b, (*conn).runNTTransact)
}

// runNTTransact runs a complete NT_TRANSACT. The functions not served are
// StatusNotImplemented, as unknown TRANSACTION2 subcommands are.
func (c *conn) runNTTransact(req *request, t *smb.TransRequest) error {
	out := &c.transOut
	out.params, out.data = out.params[:0], out.data[:0]
	var err error
	switch t.Function {
	case smb.NTTransactIOCTL:
		err = c.ntIoctl(req, t)
	case smb.NTTransactRename:
		err = c.ntTransactRename(req, t)
	case smb.NTTransactCreate:
		err = c.ntTransactCreate(req, t, out)
	default:
		if c.trace() {
			c.log.Debug("unimplemented NT_TRANSACT function", "function", t.Function)
		}
		err = smb.StatusNotImplemented
	}
	if err != nil {
		var st smb.NTStatus
		if errors.As(err, &st) {
			return st
		}
		return statusOf(err)
	}
	return c.sendTrans(req, smb.ComNTTransact, out.params, out.data)
}

// ntIoctl answers NT_TRANSACT_IOCTL (MS-CIFS 3.3.5.59.2). The one control
// served is FSCTL_SET_SPARSE, which succeeds without effect: a Unix file
// is sparse wherever it was never written, whatever the flag says. Device
// IOCTLs and other FSCTLs are StatusNotSupported, as Samba answers them.
func (c *conn) ntIoctl(req *request, t *smb.TransRequest) error {
	s, err := smb.ParseIoctlSetup(t.Setup)
	if err != nil {
		return err
	}
	if !s.IsFsctl() || s.FunctionCode() != smb.FSCTLSetSparse {
		return smb.StatusNotSupported
	}
	f, err := c.file(req, s.FID())
	if err != nil {
		return err
	}
	// MS-FSCC 2.3.64: the handle needs write data or write attributes
	// access, and the control applies to files only.
	if f.IsDir() {
		return smb.StatusInvalidParameter
	}
	if f.Access()&(vfs.AccessWriteData|vfs.AccessWriteAttributes) == 0 {
		return smb.StatusAccessDenied
	}
	return nil
}

// ntTransactRename answers NT_TRANSACT_RENAME (MS-CIFS 2.2.7.5), which
// MS-CIFS leaves undefined: Windows Server 2003 accepts it and renames
// nothing, and Samba does the same (smbtorture raw.rename nttransrename
// checks that the file keeps its name). The parameters are the FID, two
// bytes of flags and the new name; the FID must be open.
func (c *conn) ntTransactRename(req *request, t *smb.TransRequest) error {
	if len(t.Params) < 5 {
		return smb.StatusInvalidParameter
	}
	_, err := c.file(req, binary.LittleEndian.Uint16(t.Params))
	return err
}
