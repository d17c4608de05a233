#!/usr/bin/python3
"""ipc_check.py drives impacket's DCE/RPC over SMB1 named pipes against an
SMB server's IPC$ and prints one line per check: "ok <name>" or
"FAIL <name>: <detail>". It exits 1 if any check failed, 2 if it could not
run at all.

It is run by server/ipc_interop_test.go with Debian's /usr/bin/python3, and
can be pointed at Samba to validate the checks themselves (Samba answers a
missing share with WERR_INVALID_NAME and serves more pipes, so
share_get_info and pipe_allowlist fail there, by design):

  /usr/bin/python3 ipc_check.py --port 2445 --name SAMBABASE --user root \\
      --password secret --shares share --guest-shares share --comment ""
"""

import argparse
import sys
import traceback

try:
    from impacket.dcerpc.v5 import srvs, transport, wkst
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    from impacket.nt_errors import STATUS_OBJECT_NAME_NOT_FOUND
    from impacket.smbconnection import SMB_DIALECT, SMBConnection, SessionError
except ImportError as e:  # the Go test checks the module before running us
    print("FAIL import: %s" % e)
    sys.exit(2)

failed = False
NDR64 = ("71710533-BEBA-4937-8319-B5DBEF9CCC36", "1.0")
NERR_NET_NAME_NOT_FOUND = 2310
STYPE_SPECIAL = 0x80000000
STYPE_IPC = 3


def check(name):
    """check runs fn as the check called name; an exception fails it."""
    def wrap(fn):
        global failed
        try:
            fn()
        except Exception as e:  # report and carry on with the next check
            failed = True
            detail = "%s: %s" % (type(e).__name__, e)
            tb = traceback.format_exc().strip().splitlines()
            if len(tb) > 1:
                detail += " (at %s)" % tb[-3].strip()
            print("FAIL %s: %s" % (name, detail), flush=True)
        else:
            print("ok %s" % name, flush=True)
        return fn
    return wrap


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=139)
    p.add_argument("--name", default="TINYSMBD")
    p.add_argument("--workgroup", default="WORKGROUP")
    p.add_argument("--user", default="alice")
    p.add_argument("--password", default="secret")
    p.add_argument("--shares", default="share,public",
                   help="disk shares the user must see, in order, before IPC$")
    p.add_argument("--guest-shares", default="public",
                   help="disk shares an anonymous session must see")
    p.add_argument("--extra", type=int, default=0,
                   help="shares extra000... configured after those, listed too")
    p.add_argument("--comment", default="alice's files", help="comment of the first share")
    a = p.parse_args()

    def connect(user=None, password=None):
        c = SMBConnection(a.name, a.host, sess_port=a.port, preferredDialect=SMB_DIALECT, timeout=10)
        c.login(a.user if user is None else user, a.password if password is None else password)
        return c

    def rpc(conn, pipe, uuid, frag=0, transfer_syntax=None):
        t = transport.SMBTransport(a.host, a.port, pipe, smb_connection=conn)
        dce = t.get_dce_rpc()
        if frag:
            dce.set_max_fragment_size(frag)
        dce.connect()
        if transfer_syntax:
            dce.bind(uuid, transfer_syntax=transfer_syntax)
        else:
            dce.bind(uuid)
        return dce

    want = a.shares.split(",") + ["extra%03d" % i for i in range(a.extra)]
    conn = connect()

    def expect_shares(got, names):
        listed = [(s["shi1_netname"][:-1], s["shi1_type"]) for s in got]
        exp = [(n, STYPE_SPECIAL if n.endswith("$") else 0) for n in names] + [("IPC$", STYPE_IPC | STYPE_SPECIAL)]
        if listed != exp:
            raise AssertionError("listed %r, want %r" % (listed, exp))

    @check("list_shares")
    def _():
        got = conn.listShares()
        expect_shares(got, want)
        if got[0]["shi1_remark"][:-1] != a.comment:
            raise AssertionError("comment %r, want %r" % (got[0]["shi1_remark"][:-1], a.comment))
        if not got[-1]["shi1_remark"][:-1].startswith("IPC Service"):
            raise AssertionError("IPC$ comment %r" % got[-1]["shi1_remark"][:-1])

    @check("guest_list_shares")
    def _():
        g = connect("", "")
        try:
            expect_shares(g.listShares(), [s for s in a.guest_shares.split(",") if s])
        finally:
            g.logoff()

    @check("request_fragments")
    def _():
        # Requests cut into 16-byte fragments must be reassembled.
        dce = rpc(conn, r"\srvsvc", srvs.MSRPC_UUID_SRVS, frag=16)
        try:
            r = srvs.hNetrShareEnum(dce, 0)
            n = r["InfoStruct"]["ShareInfo"]["Level0"]["EntriesRead"]
            if n != len(want) + 1:
                raise AssertionError("%d entries at level 0, want %d" % (n, len(want) + 1))
        finally:
            dce.disconnect()

    dce = rpc(conn, r"\srvsvc", srvs.MSRPC_UUID_SRVS)

    @check("share_enum_level_2")
    def _():
        r = srvs.hNetrShareEnum(dce, 2)
        names = [e["shi2_netname"][:-1] for e in r["InfoStruct"]["ShareInfo"]["Level2"]["Buffer"]]
        if names != want + ["IPC$"]:
            raise AssertionError("listed %r" % names)

    @check("share_get_info")
    def _():
        r = srvs.hNetrShareGetInfo(dce, want[0].upper() + "\x00", 1)
        info = r["InfoStruct"]["ShareInfo1"]
        if info["shi1_netname"][:-1] != want[0] or info["shi1_remark"][:-1] != a.comment:
            raise AssertionError("got %r / %r" % (info["shi1_netname"], info["shi1_remark"]))
        try:
            srvs.hNetrShareGetInfo(dce, "no-such-share\x00", 1)
        except DCERPCException as e:
            if e.get_error_code() != NERR_NET_NAME_NOT_FOUND:
                raise AssertionError("missing share: error %r, want NERR_NetNameNotFound" % e.get_error_code())
        else:
            raise AssertionError("a missing share was found")

    @check("server_get_info")
    def _():
        r = srvs.hNetrServerGetInfo(dce, 101)["InfoStruct"]["ServerInfo101"]
        if r["sv101_name"][:-1] != a.name or r["sv101_platform_id"] != 500:
            raise AssertionError("name %r platform %r" % (r["sv101_name"], r["sv101_platform_id"]))
        if not r["sv101_type"] & 0x2:
            raise AssertionError("type %#x lacks SV_TYPE_SERVER" % r["sv101_type"])
        r = srvs.hNetrServerGetInfo(dce, 102)["InfoStruct"]["ServerInfo102"]
        if r["sv102_name"][:-1] != a.name:
            raise AssertionError("level 102 name %r" % r["sv102_name"])

    @check("unknown_opnum_fault")
    def _():
        dce.call(200, b"")
        try:
            dce.recv()
        except DCERPCException as e:
            if "nca_s_op_rng_error" not in str(e):
                raise AssertionError("fault %s, want nca_s_op_rng_error" % e)
        else:
            raise AssertionError("opnum 200 answered")
        # The pipe still serves calls after the fault.
        srvs.hNetrServerGetInfo(dce, 100)

    dce.disconnect()

    @check("wksta_get_info")
    def _():
        d = rpc(conn, r"\wkssvc", wkst.MSRPC_UUID_WKST)
        try:
            r = wkst.hNetrWkstaGetInfo(d, 100)["WkstaInfo"]["WkstaInfo100"]
            if r["wki100_computername"][:-1] != a.name or r["wki100_langroup"][:-1] != a.workgroup:
                raise AssertionError("computer %r workgroup %r" % (r["wki100_computername"], r["wki100_langroup"]))
        finally:
            d.disconnect()

    @check("ndr64_rejected")
    def _():
        try:
            d = rpc(conn, r"\srvsvc", srvs.MSRPC_UUID_SRVS, transfer_syntax=NDR64)
        except DCERPCException as e:
            if "transfer_syntaxes_not_supported" not in str(e):
                raise AssertionError("rejected for another reason: %s" % e)
            return
        d.disconnect()
        raise AssertionError("an NDR64-only bind was accepted")

    @check("pipe_allowlist")
    def _():
        tid = conn.connectTree("IPC$")
        try:
            for name in ("\\lsarpc", "\\spoolss", "\\LANMAN", "\\..\\..\\..\\etc\\passwd",
                         "\\srvsvc\\..\\x", "\\PIPE\\samr", "/etc/passwd", "\\"):
                try:
                    fid = conn.openFile(tid, name)
                except SessionError as e:
                    if e.getErrorCode() != STATUS_OBJECT_NAME_NOT_FOUND:
                        raise AssertionError("%s: error %#x, want STATUS_OBJECT_NAME_NOT_FOUND" % (name, e.getErrorCode()))
                    continue
                conn.closeFile(tid, fid)
                raise AssertionError("%s opened on IPC$" % name)
            for name in ("srvsvc", "\\SRVSVC", "\\PIPE\\wkssvc"):
                conn.closeFile(tid, conn.openFile(tid, name))
        finally:
            conn.disconnectTree(tid)

    conn.logoff()
    print("done", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
