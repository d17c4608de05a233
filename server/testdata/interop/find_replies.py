#!/usr/bin/python3
"""find_replies.py: a server's FIND_FIRST2 / FIND_NEXT2 replies at every level.

The share's root must hold exactly a.txt, b.txt, c.txt and d.txt (names of
one length, so entries are the same size whatever order the server lists
them in). For each information level, OEM and Unicode, with and without
SMB_FIND_RETURN_RESUME_KEYS, it sends FIND_FIRST2 for "?.txt" with
SearchCount 2, then FIND_NEXT2 (continue from last) with SearchCount 10
(MS-CIFS 2.2.6.2, 2.2.6.3), and prints one line per reply:

    op level unicode flags status searchcount lastnameoffset data-hex

then "done". SMB_INFO_QUERY_EAS_FROM_LIST asks for one EA name, "X".
"""

import argparse
import struct
import sys

from impacket import smb
from impacket.smbconnection import SMBConnection, SMB_DIALECT

LEVELS = (0x001, 0x002, 0x003, 0x101, 0x102, 0x103, 0x104, 0x105, 0x106)
RESUME_KEYS = 0x0004
CONTINUE = 0x0008


def trans2(s, tid, flags2, sub, params, data):
    s.set_flags(flags2=flags2)
    s.send_trans2(tid, sub, "\x00", params, data)
    r = s.recvSMB()
    raw = r.getData()
    status = (r["ErrorCode"] << 16) | (r["_reserved"] << 8) | r["ErrorClass"]
    if status != 0:
        return status, b"", b""
    # MS-CIFS 2.2.4.46.2: words start at 33; ParameterCount, ParameterOffset,
    # ParameterDisplacement, DataCount, DataOffset follow two totals and a
    # reserved word. Offsets count from the SMB header.
    pc, po, _, dc, do = struct.unpack_from("<HHHHH", raw, 33 + 6)
    return 0, raw[po:po + pc], raw[do:do + dc]


def name(text, unicode):
    return text.encode("utf-16le") + b"\x00\x00" if unicode else text.encode() + b"\x00"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--share", default="share")
    args = ap.parse_args()
    conn = SMBConnection(args.host, args.host, sess_port=args.port, preferredDialect=SMB_DIALECT)
    conn.login(args.user, args.password)
    tid = conn.connectTree(args.share)
    s = conn.getSMBServer()
    base = smb.SMB.FLAGS2_NT_STATUS | smb.SMB.FLAGS2_LONG_NAMES | smb.SMB.FLAGS2_EXTENDED_SECURITY
    # MS-CIFS 2.2.1.2.1.1 GEA list: SizeOfListInBytes, then one GEA.
    gea = struct.pack("<IB", 4 + 1 + 2, 1) + b"X\x00"
    for level in LEVELS:
        for unicode in (False, True):
            flags2 = base | (smb.SMB.FLAGS2_UNICODE if unicode else 0)
            for flags in (0, RESUME_KEYS):
                data = gea if level == 0x003 else b""
                params = struct.pack("<HHHHI", 0x16, 2, flags, level, 0) + name("\\?.txt", unicode)
                st, p, d = trans2(s, tid, flags2, smb.SMB.TRANS2_FIND_FIRST2, params, data)
                if st != 0:
                    print("first %d %d %d 0x%08x - - -" % (level, unicode, flags, st), flush=True)
                    continue
                sid, count, eos, _, last = struct.unpack_from("<HHHHH", p)
                print("first %d %d %d 0x%08x %d %d %s" % (level, unicode, flags, st, count, last, d.hex()), flush=True)
                params = struct.pack("<HHHIH", sid, 10, level, 0, flags | CONTINUE) + name("", unicode)
                st, p, d = trans2(s, tid, flags2, smb.SMB.TRANS2_FIND_NEXT2, params, data)
                if st != 0:
                    print("next %d %d %d 0x%08x - - -" % (level, unicode, flags, st), flush=True)
                    continue
                count, eos, _, last = struct.unpack_from("<HHHH", p)
                print("next %d %d %d 0x%08x %d %d %s" % (level, unicode, flags, st, count, last, d.hex()), flush=True)
                if not eos:
                    s.findclose2(tid, sid) if hasattr(s, "findclose2") else None
    conn.logoff()
    print("done")


if __name__ == "__main__":
    sys.exit(main())
