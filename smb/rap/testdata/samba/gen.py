#!/usr/bin/python3
"""gen.py records RAP exchanges (TRANSACTION over \\PIPE\\LANMAN) with an SMB1
server and writes each as a golden file: the request parameters and the
response parameters and data as hexdumps. The files here were recorded
against Samba 4.17 (../../../../../shared/tools/samba-baseline, share "share",
no comment, NetBIOS name SAMBABASE):

  /usr/bin/python3 gen.py --port 2139 --user root --password secret --out .
"""

import argparse
import os
import struct
import sys

from impacket import smb
from impacket.smbconnection import SMB_DIALECT, SMBConnection


def rap(api, pdesc, ddesc, params):
    return struct.pack("<H", api) + pdesc + b"\0" + ddesc + b"\0" + params


def hexdump(b):
    out = []
    for i in range(0, len(b), 16):
        chunk = b[i:i + 16]
        hx = " ".join("%02x" % c for c in chunk)
        asc = "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)
        out.append("%04x  %-47s  %s" % (i, hx, asc))
    return "\n".join(out)


CASES = [
    ("share_enum_0", "NetShareEnum level 0.", rap(0, b"WrLeh", b"B13", struct.pack("<HH", 0, 8192))),
    ("share_enum_1", "NetShareEnum level 1.", rap(0, b"WrLeh", b"B13BWz", struct.pack("<HH", 1, 8192))),
    ("share_enum_1_small", "NetShareEnum level 1 into a 30-byte buffer: one entry fits.",
     rap(0, b"WrLeh", b"B13BWz", struct.pack("<HH", 1, 30))),
    ("share_enum_1_tiny", "NetShareEnum level 1 into a 10-byte buffer: nothing fits.",
     rap(0, b"WrLeh", b"B13BWz", struct.pack("<HH", 1, 10))),
    ("share_enum_5", "NetShareEnum level 5 with level 1's descriptor.",
     rap(0, b"WrLeh", b"B13BWz", struct.pack("<HH", 5, 8192))),
    ("share_enum_baddesc", "NetShareEnum with a parameter descriptor that does not match.",
     rap(0, b"WWrLeh", b"B13BWz", struct.pack("<HHH", 1, 1, 8192))),
    ("share_getinfo_1", "NetShareGetInfo of \"share\" at level 1.",
     rap(1, b"zWrLh", b"B13BWz", b"share\0" + struct.pack("<HH", 1, 8192))),
    ("share_getinfo_missing", "NetShareGetInfo of a share that does not exist.",
     rap(1, b"zWrLh", b"B13BWz", b"nosuch\0" + struct.pack("<HH", 1, 8192))),
    ("server_getinfo_0", "NetServerGetInfo level 0.", rap(13, b"WrLh", b"B16", struct.pack("<HH", 0, 0xFFFF))),
    ("server_getinfo_1", "NetServerGetInfo level 1.", rap(13, b"WrLh", b"B16BBDz", struct.pack("<HH", 1, 0xFFFF))),
    ("server_getinfo_1_small", "NetServerGetInfo level 1 into a 20-byte buffer.",
     rap(13, b"WrLh", b"B16BBDz", struct.pack("<HH", 1, 20))),
    ("wksta_getinfo_10", "NetWkstaGetInfo level 10.", rap(63, b"WrLh", b"zzzBBzz", struct.pack("<HH", 10, 0xFFFF))),
    ("server_enum2_0_domains", "NetServerEnum2 level 0, domain enum, no domain.",
     rap(104, b"WrLehDO", b"B16", struct.pack("<HHI", 0, 8192, 0x80000000))),
    ("server_enum2_1_all", "NetServerEnum2 level 1, all types, domain WORKGROUP (smbclient -L).",
     rap(104, b"WrLehDz", b"B16BBDz", struct.pack("<HHI", 1, 0xFFFF, 0xFFFFFFFF) + b"WORKGROUP\0")),
    ("session_enum_2", "NetSessionEnum level 2.", rap(6, b"WrLeh", b"zzWWWDDDz", struct.pack("<HH", 2, 8192))),
    ("remote_tod", "NetRemoteTOD.", rap(91, b"rL", b"DDBBBBWWBBWB", struct.pack("<H", 8192))),
    ("unknown_api", "API number 999.", rap(999, b"WrLeh", b"B13", struct.pack("<HH", 0, 8192))),
]


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
    s = conn.getSMBServer()
    for name, note, params in CASES:
        s.send_trans(tid, b"", "\\PIPE\\LANMAN\0", params, b"")
        r = s.recvSMB()
        status = r["ErrorCode"] << 16 | r["_reserved"] << 8 | r["ErrorClass"]
        resp = smb.SMBCommand(r["Data"][0])
        rp = smb.SMBTransactionResponse_Parameters(resp["Parameters"])
        data = resp["Data"]
        # Data holds the pad bytes, the parameters and the data at their
        # offsets from the SMB header (32 bytes + the words + ByteCount).
        base = 32 + 1 + len(resp["Parameters"]) + 2
        rparams = data[rp["ParameterOffset"] - base:][:rp["ParameterCount"]]
        rdata = data[rp["DataOffset"] - base:][:rp["DataCount"]] if rp["DataCount"] else b""
        with open(os.path.join(a.out, name + ".txt"), "w") as f:
            f.write("# %s\n# Recorded with gen.py against %s:%d; NT status 0x%08x.\n" % (note, a.host, a.port, status))
            f.write("-- request parameters\n%s\n" % hexdump(params))
            f.write("-- response parameters\n%s\n" % hexdump(rparams))
            f.write("-- response data\n%s\n" % hexdump(rdata))
        print("wrote", name)
    conn.logoff()


if __name__ == "__main__":
    sys.exit(main())
