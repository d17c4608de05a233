#!/usr/bin/python3
"""gen.py records DCE/RPC exchanges with an SMB1 server over \\PIPE\\srvsvc and
\\PIPE\\wkssvc and writes each as a golden file: the request PDU and every
response fragment as hexdumps. The files in this directory were recorded
against Samba 4.17 (../../../../../shared/tools/samba-baseline, share "share",
no comment):

  /usr/bin/python3 gen.py --port 2139 --user root --password secret --out .

The share level recordings (bind_srvsvc_levels and the files after it) were
made against an instance whose smb.conf also sets "ncalrpc dir" inside its
state directory: Samba 4.17 serves srvsvc from samba-dcerpcd, and without
that line smbd reaches whichever samba-dcerpcd another instance on the
machine started, with that instance's shares.

The PDUs are built by hand here, not with impacket's DCE/RPC layer, so that
malformed and unusual requests can be sent too.
"""

import argparse
import os
import struct
import sys

from impacket.smbconnection import SMB_DIALECT, SMBConnection

NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)
NDR64 = bytes.fromhex("33057171babe37498319b5dbef9ccc36") + struct.pack("<I", 1)
# Bind time feature negotiation, bitmask 0x03 (security context
# multiplexing, keep connection on orphan), MS-RPCE 3.3.1.5.3.
BTFN = bytes.fromhex("2c1cb76c12984045") + struct.pack("<QI", 3, 1)
SRVSVC = bytes.fromhex("c84f324b7016d30112785a47bf6ee188") + struct.pack("<HH", 3, 0)
WKSSVC = bytes.fromhex("98d0ff6b12a11036983346c3f87e345a") + struct.pack("<HH", 1, 0)


def hdr(ptype, flags, call_id, body):
    return struct.pack("<BBBBIHHI", 5, 0, ptype, flags, 0x10, 16 + len(body), 0, call_id) + body


def bind(call_id, ctxs, ptype=11, max_frag=4280):
    body = struct.pack("<HHIB3x", max_frag, max_frag, 0, len(ctxs))
    for i, (abstract, transfers) in enumerate(ctxs):
        body += struct.pack("<HBx", i, len(transfers)) + abstract + b"".join(transfers)
    return hdr(ptype, 3, call_id, body)


def request(call_id, opnum, stub, ctx=0, flags=3, alloc=None):
    if alloc is None:
        alloc = len(stub)
    return hdr(0, flags, call_id, struct.pack("<IHH", alloc, ctx, opnum) + stub)


class NDRw:
    def __init__(self):
        self.b = b""
        self.ref = 0x20000

    def align(self, n):
        self.b += b"\0" * (-len(self.b) % n)

    def u32(self, v):
        self.align(4)
        self.b += struct.pack("<I", v)
        return self

    def ptr(self):
        self.u32(self.ref)
        self.ref += 4
        return self

    def wstr(self, s):
        u = (s + "\0").encode("utf-16le")
        n = len(u) // 2
        self.u32(n).u32(0).u32(n)
        self.b += u
        return self


def share_enum(level, resume=True):
    w = NDRw()
    w.ptr().wstr("127.0.0.1")
    w.u32(level).u32(level).ptr().u32(0).u32(0)  # ctr: count 0, NULL array
    w.u32(0xFFFFFFFF)
    if resume:
        w.ptr().u32(0)
    else:
        w.u32(0)
    return w.b


def share_getinfo(name, level):
    w = NDRw()
    w.ptr().wstr("127.0.0.1")
    w.wstr(name)
    w.u32(level)
    return w.b


def level_only(level):
    w = NDRw()
    w.ptr().wstr("127.0.0.1")
    w.u32(level)
    return w.b


def hexdump(b):
    out = []
    for i in range(0, len(b), 16):
        chunk = b[i:i + 16]
        hx = " ".join("%02x" % c for c in chunk)
        asc = "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)
        out.append("%04x  %-47s  %s" % (i, hx, asc))
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2139)
    p.add_argument("--name", default="*SMBSERVER")
    p.add_argument("--user", default="root")
    p.add_argument("--password", default="secret")
    p.add_argument("--out", default=".")
    a = p.parse_args()

    conn = SMBConnection(a.name, a.host, sess_port=a.port, preferredDialect=SMB_DIALECT)
    conn.login(a.user, a.password)
    tid = conn.connectTree("IPC$")

    def exchange(fid, name, note, pdu, reads=0):
        resp = [conn.transactNamedPipe(tid, fid, pdu)]
        for _ in range(reads):
            resp.append(conn.readNamedPipe(tid, fid, 4280))
        save(name, note, [("request", pdu)] + [("response", r) for r in resp])

    def save(name, note, parts):
        with open(os.path.join(a.out, name + ".txt"), "w") as f:
            f.write("# %s\n# Recorded with gen.py against %s:%d.\n" % (note, a.host, a.port))
            for label, b in parts:
                f.write("-- %s\n%s\n" % (label, hexdump(b)))
        print("wrote", name)

    fid = conn.openFile(tid, "\\srvsvc")
    exchange(fid, "bind_srvsvc", "Bind to srvsvc v3.0 with NDR; bind_ack accepts it.",
             bind(1, [(SRVSVC, [NDR])]))
    for level in (0, 1, 2):
        exchange(fid, "share_enum_%d" % level, "NetrShareEnum (opnum 15) level %d." % level,
                 request(2 + level, 15, share_enum(level)))
    exchange(fid, "share_enum_99", "NetrShareEnum level 99: WERR_INVALID_LEVEL, empty union arm.",
             request(6, 15, share_enum(99, resume=False)))
    exchange(fid, "share_getinfo_1", "NetrShareGetInfo (opnum 16) of \"share\" at level 1.",
             request(7, 16, share_getinfo("share", 1)))
    exchange(fid, "share_getinfo_2_ipc", "NetrShareGetInfo of \"IPC$\" at level 2.",
             request(8, 16, share_getinfo("IPC$", 2)))
    exchange(fid, "share_getinfo_missing", "NetrShareGetInfo of a share that does not exist.",
             request(9, 16, share_getinfo("nosuch", 1)))
    for level in (100, 101, 102):
        exchange(fid, "server_getinfo_%d" % level, "NetrServerGetInfo (opnum 21) level %d." % level,
                 request(10 + level - 100, 21, level_only(level)))
    exchange(fid, "server_getinfo_99", "NetrServerGetInfo level 99: WERR_INVALID_LEVEL.",
             request(13, 21, level_only(99)))
    exchange(fid, "fault_opnum", "Request for opnum 200, past the interface: fault nca_s_op_rng_error.",
             request(14, 200, b""))
    exchange(fid, "fault_context", "Request on presentation context 7, never bound: a fault.",
             request(15, 15, share_enum(1), ctx=7))
    exchange(fid, "alter_ndr64", "Alter context adding context 1 with NDR64 only: provider rejection.",
             bind(16, [(SRVSVC, [NDR]), (SRVSVC, [NDR64])], ptype=14))
    stub = share_enum(1)
    first = request(17, 15, stub[:16], flags=1, alloc=len(stub))
    last = request(17, 15, stub[16:], flags=2, alloc=len(stub) - 16)
    conn.writeNamedPipe(tid, fid, first)
    resp = conn.transactNamedPipe(tid, fid, last)
    save("share_enum_fragmented", "NetrShareEnum level 1 sent as two request fragments (16 + rest).",
         [("request", first), ("request", last), ("response", resp)])
    conn.closeFile(tid, fid)

    fid = conn.openFile(tid, "\\srvsvc")
    exchange(fid, "bind_three_contexts",
             "Bind offering NDR, NDR64 and bind time feature negotiation (0x3) as contexts 0, 1, 2.",
             bind(1, [(SRVSVC, [NDR]), (SRVSVC, [NDR64]), (SRVSVC, [BTFN])]))
    exchange(fid, "bind_again", "A second bind on the same pipe.", bind(2, [(SRVSVC, [NDR])]))
    conn.closeFile(tid, fid)

    fid = conn.openFile(tid, "\\srvsvc")
    exchange(fid, "bind_wrong_interface", "Bind to wkssvc's interface on the srvsvc pipe.",
             bind(1, [(WKSSVC, [NDR])]))
    conn.closeFile(tid, fid)

    fid = conn.openFile(tid, "\\srvsvc")
    exchange(fid, "bind_small_frag", "Bind proposing max_xmit_frag = max_recv_frag = 1024.",
             bind(1, [(SRVSVC, [NDR])], max_frag=1024))
    exchange(fid, "share_enum_2_small_frag", "NetrShareEnum level 2 after a 1024-byte bind.",
             request(2, 15, share_enum(2)))
    conn.closeFile(tid, fid)

    # Every share level, recorded later against an instance serving another
    # directory (levelShares in golden_test.go).
    fid = conn.openFile(tid, "\\srvsvc")
    exchange(fid, "bind_srvsvc_levels", "Bind to srvsvc v3.0 with NDR, for the level recordings.",
             bind(1, [(SRVSVC, [NDR])]))
    call_id = 2
    for level in (501, 502, 1005):
        exchange(fid, "share_enum_%d" % level, "NetrShareEnum (opnum 15) level %d." % level,
                 request(call_id, 15, share_enum(level)))
        call_id += 1
    exchange(fid, "share_enum_sticky_1", "NetrShareEnumSticky (opnum 36) level 1.",
             request(call_id, 36, share_enum(1)))
    call_id += 1
    for level in (0, 2, 501, 502, 1005, 99):
        exchange(fid, "share_getinfo_%d_share" % level,
                 "NetrShareGetInfo (opnum 16) of \"share\" at level %d." % level,
                 request(call_id, 16, share_getinfo("share", level)))
        call_id += 1
    exchange(fid, "share_getinfo_502_ipc", "NetrShareGetInfo of \"IPC$\" at level 502.",
             request(call_id, 16, share_getinfo("IPC$", 502)))
    conn.closeFile(tid, fid)

    fid = conn.openFile(tid, "\\wkssvc")
    exchange(fid, "bind_wkssvc", "Bind to wkssvc v1.0.", bind(1, [(WKSSVC, [NDR])]))
    for level in (100, 101):
        exchange(fid, "wksta_getinfo_%d" % level, "NetrWkstaGetInfo (opnum 0) level %d." % level,
                 request(2 + level - 100, 0, level_only(level)))
    conn.closeFile(tid, fid)
    conn.logoff()


if __name__ == "__main__":
    sys.exit(main())
