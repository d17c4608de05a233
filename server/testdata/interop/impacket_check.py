#!/usr/bin/python3
"""impacket_check.py drives impacket's SMB1 client against an SMB server and
prints one line per check: "ok <name>" or "FAIL <name>: <detail>". It exits 1
if any check failed, 2 if it could not run at all.

It is run by server/interop_test.go with Debian's /usr/bin/python3 (where
python3-impacket is installed), and can be pointed at Samba to validate the
checks themselves:

  /usr/bin/python3 impacket_check.py --port 2445 --name SAMBABASE \
      --user root --password secret --share share
"""

import argparse
import io
import os
import sys
import traceback

try:
    from impacket import smb
    from impacket.nt_errors import (STATUS_LOGON_FAILURE,
                                    STATUS_OBJECT_NAME_NOT_FOUND)
    from impacket.smbconnection import SMB_DIALECT, SMBConnection, SessionError
except ImportError as e:  # the Go test checks the module before running us
    print("FAIL import: %s" % e)
    sys.exit(2)

failed = False


def ok(name):
    print("ok %s" % name, flush=True)


def fail(name, detail):
    global failed
    failed = True
    print("FAIL %s: %s" % (name, detail), flush=True)


def check(name):
    """check runs fn as the check called name; an exception fails it."""
    def wrap(fn):
        try:
            fn()
        except Exception as e:  # report and carry on with the next check
            detail = "%s: %s" % (type(e).__name__, e)
            tb = traceback.format_exc().strip().splitlines()
            if len(tb) > 1:
                detail += " (at %s)" % tb[-3].strip()
            fail(name, detail)
        else:
            ok(name)
        return fn
    return wrap


def error_code(e):
    if isinstance(e, SessionError):
        return e.getErrorCode()
    if hasattr(e, "get_error_code"):
        return e.get_error_code()
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=139)
    p.add_argument("--name", default="TINYSMBD",
                   help="server NetBIOS name (the NetBT called name on 139); "
                        "*SMBSERVER would first query UDP 137")
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="secret")
    p.add_argument("--share", default="share")
    p.add_argument("--timeout", type=int, default=10)
    a = p.parse_args()

    def connect():
        return SMBConnection(a.name, a.host, sess_port=a.port,
                             preferredDialect=SMB_DIALECT, timeout=a.timeout)

    @check("login_bad_password")
    def _():
        c = connect()
        try:
            c.login(a.user, a.password + "-wrong")
        except Exception as e:
            code = error_code(e)
            if code != STATUS_LOGON_FAILURE:
                raise AssertionError("want STATUS_LOGON_FAILURE, got %r (%s)" % (code, e))
            return
        finally:
            try:
                c.close()
            except Exception:
                pass
        raise AssertionError("login with a wrong password succeeded")

    conn = connect()

    @check("dialect")
    def _():
        d = conn.getDialect()
        if d != SMB_DIALECT:
            raise AssertionError("negotiated %r, want SMB1 %r" % (d, SMB_DIALECT))

    @check("login")
    def _():
        conn.login(a.user, a.password)
        if conn.isGuestSession():
            raise AssertionError("server made the authenticated login a guest session")

    data = os.urandom(200 * 1024 + 123)

    @check("put_file")
    def _():
        conn.putFile(a.share, "impacket.bin", io.BytesIO(data).read)

    @check("get_file")
    def _():
        out = io.BytesIO()
        conn.getFile(a.share, "impacket.bin", out.write)
        got = out.getvalue()
        if got != data:
            raise AssertionError("read back %d bytes, want %d identical bytes" % (len(got), len(data)))

    @check("mkdir")
    def _():
        conn.createDirectory(a.share, "idir")
        conn.putFile(a.share, "idir\\inner.txt", io.BytesIO(b"hello inner\n").read)

    @check("list_directory")
    def _():
        entries = conn.listPath(a.share, "idir\\*")
        names = sorted(e.get_longname() for e in entries)
        if names != [".", "..", "inner.txt"]:
            raise AssertionError("listed %r" % names)
        for e in entries:
            if e.get_longname() == "inner.txt" and e.get_filesize() != 12:
                raise AssertionError("inner.txt size %d, want 12" % e.get_filesize())
            if e.get_longname() == "." and not e.is_directory():
                raise AssertionError("'.' is not marked as a directory")

    @check("list_file")
    def _():
        entries = conn.listPath(a.share, "impacket.bin")
        if len(entries) != 1:
            raise AssertionError("got %d entries: %r" % (len(entries), [e.get_longname() for e in entries]))
        e = entries[0]
        if e.get_longname() != "impacket.bin":
            raise AssertionError("name %r" % e.get_longname())
        if e.get_filesize() != len(data):
            raise AssertionError("size %d, want %d" % (e.get_filesize(), len(data)))
        if e.is_directory():
            raise AssertionError("file marked as a directory")

    @check("rename")
    def _():
        conn.rename(a.share, "impacket.bin", "renamed.bin")
        names = [e.get_longname() for e in conn.listPath(a.share, "*")]
        if "renamed.bin" not in names or "impacket.bin" in names:
            raise AssertionError("after rename the share lists %r" % sorted(names))

    tid = None

    @check("tree_connect")
    def _():
        nonlocal tid
        tid = conn.connectTree(a.share)

    @check("read_at_offset")
    def _():
        fid = conn.openFile(tid, "renamed.bin", desiredAccess=smb.FILE_READ_DATA)
        try:
            for off, n in ((1000, 5000), (65536 - 7, 300), (len(data) - 10, 10)):
                got = conn.readFile(tid, fid, off, n)
                if got != data[off:off + n]:
                    raise AssertionError("readFile(offset=%d, n=%d) returned %d bytes that differ" % (off, n, len(got)))
            got = conn.readFile(tid, fid, len(data) + 100, 10)
            if got:
                raise AssertionError("read past end returned %d bytes" % len(got))
        finally:
            conn.closeFile(tid, fid)

    @check("missing_file")
    def _():
        try:
            fid = conn.openFile(tid, "no-such-file.txt", desiredAccess=smb.FILE_READ_DATA)
        except Exception as e:
            code = error_code(e)
            if code != STATUS_OBJECT_NAME_NOT_FOUND:
                raise AssertionError("want STATUS_OBJECT_NAME_NOT_FOUND, got %r (%s)" % (code, e))
            return
        conn.closeFile(tid, fid)
        raise AssertionError("opening a missing file succeeded")

    @check("path_traversal_refused")
    def _():
        try:
            host = open("/etc/passwd", "rb").read()
        except OSError:
            host = None
        for path in ("..\\..\\..\\etc\\passwd", "idir\\..\\..\\..\\..\\etc\\passwd", "\\..\\etc\\passwd"):
            try:
                fid = conn.openFile(tid, path, desiredAccess=smb.FILE_READ_DATA)
            except Exception as e:
                if error_code(e) is None:
                    raise
                continue
            try:
                got = conn.readFile(tid, fid, 0, 65536)
            finally:
                conn.closeFile(tid, fid)
            if host is not None and got and host.startswith(got[:64]):
                raise AssertionError("%s opened the host's /etc/passwd" % path)
            raise AssertionError("%s opened (read %d bytes), want an error" % (path, len(got)))

    @check("delete")
    def _():
        conn.deleteFile(a.share, "renamed.bin")
        conn.deleteFile(a.share, "idir\\inner.txt")
        conn.deleteDirectory(a.share, "idir")
        names = [e.get_longname() for e in conn.listPath(a.share, "*")]
        left = sorted(set(names) & {"renamed.bin", "idir", "impacket.bin"})
        if left:
            raise AssertionError("still listed after delete: %r" % left)

    @check("logoff")
    def _():
        if tid is not None:
            conn.disconnectTree(tid)
        conn.logoff()
        conn.close()

    print("done", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
