package server

import (
	"encoding/binary"
	"errors"

	"github.com/tinysmbd/tinysmbd/smb"
	"github.com/tinysmbd/tinysmbd/vfs"
)

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
	case smb.NTTransactNotifyChange:
		err = c.ntNotifyChange(req, t)
	case smb.NTTransactQuerySecurityDesc:
		err = c.ntQuerySecurityDesc(req, t, out)
	case smb.NTTransactSetSecurityDesc:
		err = c.ntSetSecurityDesc(req, t)
	default:
		if c.trace() {
			c.log.Debug("unimplemented NT_TRANSACT function", "function", t.Function)
		}
		err = smb.StatusNotImplemented
	}
	if err == errPending || err == errStop || err == errNoReply {
		return err
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

// ntQuerySecurityDesc answers NT_TRANSACT_QUERY_SECURITY_DESC
// (MS-CIFS 3.3.5.59.6) with the one descriptor the server reports for
// every file (smb.AppendSecurityDescriptor): the shares map no ACLs.
func (c *conn) ntQuerySecurityDesc(req *request, t *smb.TransRequest, out *transOut) error {
	p, err := smb.ParseSecurityDescParams(t.Params)
	if err != nil {
		return err
	}
	if _, err := c.file(req, p.FID()); err != nil {
		return err
	}
	out.data = smb.AppendSecurityDescriptor(out.data, p.SecurityInformation())
	out.params = binary.LittleEndian.AppendUint32(out.params, uint32(len(out.data)))
	if uint32(len(out.data)) > t.MaxDataCount {
		// MS-CIFS 3.3.5.59.6: too small a buffer gets
		// STATUS_BUFFER_TOO_SMALL and, in LengthNeeded, the size
		// that fits.
		if err := c.sendTrans(req, smb.ComNTTransact, out.params, nil); err != nil {
			return err
		}
		req.status = smb.StatusBufferTooSmall
		return errStop
	}
	return nil
}

// ntSetSecurityDesc accepts NT_TRANSACT_SET_SECURITY_DESC
// (MS-CIFS 3.3.5.59.3) and keeps nothing: the shares map no ACLs. A handle
// without WRITE_DAC or WRITE_OWNER access may not set one.
func (c *conn) ntSetSecurityDesc(req *request, t *smb.TransRequest) error {
	p, err := smb.ParseSecurityDescParams(t.Params)
	if err != nil {
		return err
	}
	f, err := c.file(req, p.FID())
	if err != nil {
		return err
	}
	if f.Access()&(vfs.AccessWriteDAC|vfs.AccessWriteOwner) == 0 {
		return smb.StatusAccessDenied
	}
	return nil
}
