#!/usr/bin/python3
"""ntlm_matrix.py: which NTLMSSP AUTHENTICATE forms an SMB1 server logs on.

Each row is one SESSION_SETUP_ANDX exchange (SPNEGO-wrapped NTLMSSP, MS-NLMP
3.1.5.1) on a new connection, built by hand so the fields can be shaped
freely: NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY set or not (in both the
NEGOTIATE and the AUTHENTICATE message), LmChallengeResponse of 0, 8 or 24
bytes, NtChallengeResponse of 0, 8, 24 or NTLMv2 length, the content computed
as NTLMv1 (MS-NLMP 3.3.1 DESL over the server challenge), NTLMv2/LMv2
(MS-NLMP 3.3.2) or the NTLM2 session response (MS-NLMP 3.3.1 with extended
session security). A field shorter than its content is the content's first
bytes; a long NT field is the 24-byte response followed by an NTLMv2 client
blob (for v2 content, the real NTLMv2 response).

It prints one line per row, "ess lm nt content answer", where answer is "ok"
for a logon, "guest" for a guest logon and otherwise the NTSTATUS in hex,
then "done". The server must know --user with --password.
"""

import argparse
import hashlib
import hmac
import os
import struct
import sys

from impacket import ntlm, smb
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech

NEGOTIATE_UNICODE = 0x00000001
REQUEST_TARGET = 0x00000004
NEGOTIATE_NTLM = 0x00000200
NEGOTIATE_ALWAYS_SIGN = 0x00008000
NEGOTIATE_ESS = 0x00080000
NEGOTIATE_128 = 0x20000000
NEGOTIATE_56 = 0x80000000

LM_LENGTHS = (0, 8, 24)
NT_LENGTHS = ("0", "8", "24", "long")
CONTENTS = ("v1", "v2", "ntlm2")

CLIENT_CHALLENGE = bytes.fromhex("0102030405060708")
TIMESTAMP = struct.pack("<Q", 0x01D0000000000000)


def hmac_md5(key, data):
    return hmac.new(key, data, hashlib.md5).digest()


def negotiate_message(flags):
    # MS-NLMP 2.2.1.1: signature, type 1, flags, empty domain and
    # workstation fields, no version.
    return b"NTLMSSP\x00" + struct.pack("<II", 1, flags) + bytes(16)


def authenticate_message(flags, lm, nt, domain, user, workstation):
    # MS-NLMP 2.2.1.3 without Version and MIC: the payload starts at 64.
    fields = [lm, nt, domain.encode("utf-16le"), user.encode("utf-16le"),
              workstation.encode("utf-16le"), b""]
    header = b"NTLMSSP\x00" + struct.pack("<I", 3)
    offset, payload = 64, b""
    for f in fields:
        header += struct.pack("<HHI", len(f), len(f), offset + len(payload))
        payload += f
    return header + struct.pack("<I", flags) + payload


def challenge_fields(msg):
    # MS-NLMP 2.2.1.2: ServerChallenge at 24, TargetInfoFields at 40.
    if msg[:8] != b"NTLMSSP\x00" or struct.unpack_from("<I", msg, 8)[0] != 2:
        raise ValueError("not a CHALLENGE_MESSAGE")
    ti_len, _, ti_off = struct.unpack_from("<HHI", msg, 40)
    return msg[24:32], msg[ti_off:ti_off + ti_len]


def responses(content, nthash, user, domain, server_challenge, target_info):
    """Returns the 24-byte LM content, the 24-byte NT content and the long NT field."""
    blob = (b"\x01\x01" + bytes(6) + TIMESTAMP + CLIENT_CHALLENGE + bytes(4) +
            target_info + bytes(4))
    if content == "v1":
        r = ntlm.get_ntlmv1_response(nthash, server_challenge)
        return r, r, r + blob
    if content == "ntlm2":
        c = hashlib.md5(server_challenge + CLIENT_CHALLENGE).digest()[:8]
        r = ntlm.get_ntlmv1_response(nthash, c)
        return CLIENT_CHALLENGE + bytes(16), r, r + blob
    key = hmac_md5(nthash, (user.upper() + domain).encode("utf-16le"))
    nt = hmac_md5(key, server_challenge + blob) + blob
    lm = hmac_md5(key, server_challenge + CLIENT_CHALLENGE) + CLIENT_CHALLENGE
    return lm, nt[:24], nt


def shaped(full, length):
    return full[:length]


def status_of(packet):
    return (packet["ErrorCode"] << 16) | (packet["_reserved"] << 8) | packet["ErrorClass"]


def session_setup(conn, blob, token_is_init):
    p = smb.NewSMBPacket()
    p["Flags2"] = smb.SMB.FLAGS2_EXTENDED_SECURITY | smb.SMB.FLAGS2_NT_STATUS | smb.SMB.FLAGS2_LONG_NAMES
    p["Uid"] = conn._uid
    cmd = smb.SMBCommand(smb.SMB.SMB_COM_SESSION_SETUP_ANDX)
    cmd["Parameters"] = smb.SMBSessionSetupAndX_Extended_Parameters()
    cmd["Data"] = smb.SMBSessionSetupAndX_Extended_Data()
    cmd["Parameters"]["MaxBufferSize"] = 61440
    cmd["Parameters"]["MaxMpxCount"] = 2
    cmd["Parameters"]["VcNumber"] = 1
    cmd["Parameters"]["SessionKey"] = 0
    cmd["Parameters"]["Capabilities"] = (smb.SMB.CAP_EXTENDED_SECURITY | smb.SMB.CAP_USE_NT_ERRORS |
                                         smb.SMB.CAP_LARGE_READX | smb.SMB.CAP_LARGE_WRITEX)
    if token_is_init:
        tok = SPNEGO_NegTokenInit()
        tok["MechTypes"] = [TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]]
        tok["MechToken"] = blob
    else:
        tok = SPNEGO_NegTokenResp()
        tok["ResponseToken"] = blob
    data = tok.getData()
    cmd["Parameters"]["SecurityBlobLength"] = len(data)
    cmd["Data"]["SecurityBlob"] = data
    cmd["Data"]["NativeOS"] = "Unix"
    cmd["Data"]["NativeLanMan"] = "ntlm_matrix"
    p.addCommand(cmd)
    conn.sendSMB(p)
    return conn.recvSMB()


def one_row(args, ess, lm_len, nt_len, content):
    conn = smb.SMB(args.name or args.host, args.host, sess_port=args.port, timeout=10)
    try:
        flags = (NEGOTIATE_UNICODE | REQUEST_TARGET | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN |
                 NEGOTIATE_128 | NEGOTIATE_56 | (NEGOTIATE_ESS if ess else 0))
        r = session_setup(conn, negotiate_message(flags), True)
        if status_of(r) != 0xC0000016:  # STATUS_MORE_PROCESSING_REQUIRED
            return "negotiate-%08x" % status_of(r)
        conn._uid = r["Uid"]
        resp = smb.SMBCommand(r["Data"][0])
        params = smb.SMBSessionSetupAndX_Extended_Response_Parameters(resp["Parameters"])
        data = smb.SMBSessionSetupAndX_Extended_Response_Data(flags=r["Flags2"])
        data["SecurityBlobLength"] = params["SecurityBlobLength"]
        data.fromString(resp["Data"])
        server_challenge, target_info = challenge_fields(SPNEGO_NegTokenResp(data["SecurityBlob"])["ResponseToken"])
        nthash = ntlm.compute_nthash(args.password)
        lm24, nt24, ntlong = responses(content, nthash, args.user, args.domain, server_challenge, target_info)
        lm = shaped(lm24, lm_len)
        nt = ntlong if nt_len == "long" else shaped(nt24, int(nt_len))
        msg = authenticate_message(flags, lm, nt, args.domain, args.user, "MATRIX")
        r = session_setup(conn, msg, False)
        st = status_of(r)
        if st != 0:
            return "0x%08x" % st
        action = smb.SMBSessionSetupAndXResponse_Parameters(smb.SMBCommand(r["Data"][0])["Parameters"])["Action"]
        return "guest" if action & 1 else "ok"
    finally:
        conn.close_session()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", default="")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--domain", default="WORKGROUP")
    args = ap.parse_args()
    for ess in (0, 1):
        for content in CONTENTS:
            for lm_len in LM_LENGTHS:
                for nt_len in NT_LENGTHS:
                    try:
                        answer = one_row(args, ess, lm_len, nt_len, content)
                    except Exception as e:  # a dropped connection is an answer too
                        answer = "error:" + type(e).__name__
                    print("%d %d %s %s %s" % (ess, lm_len, nt_len, content, answer), flush=True)
    print("done")


if __name__ == "__main__":
    sys.exit(main())
