# Writes impacket-macs.txt: SMB1 MACs computed with impacket's implementation
# (impacket.smb.SMB.signSMB), independent of tinysmbd.
# Run: python3 impacket-macs.py IMPACKET_VERSION > impacket-macs.txt
import struct, sys
from impacket import smb

def header(cmd, flags, flags2, tid, pid, uid, mid, status=0):
    return (b'\xffSMB' + bytes([cmd]) + struct.pack('<IBHH', status, flags, flags2, 0) +
            b'\0' * 8 + struct.pack('<HHHHH', 0, tid, pid, uid, mid))

# ECHO request: EchoCount 1, data "ping".
echo_req = header(0x2b, 0x18, 0xc807, 0xffff, 0x1234, 100, 7) + b'\x01' + struct.pack('<H', 1) + struct.pack('<H', 4) + b'ping'
# READ_ANDX reply carrying 40 bytes of data (MS-CIFS 2.2.4.42.2 layout).
data = bytes((i * 37 + 11) & 0xff for i in range(40))
words = struct.pack('<BBHHHHHHHHHHH', 0xff, 0, 0, 0xffff, 0, 0, len(data), 59 + 1, 0, 0, 0, 0, 0)
read_resp = header(0x2e, 0x98, 0xc807, 1, 0x1234, 100, 8) + bytes([12]) + words + struct.pack('<H', len(data) + 1) + b'\0' + data

class Signer:
    _SignatureVerificationEnabled = False
    def __init__(self, seq): self._SignSequenceNumber = seq

def sign(msg, key, resp, seq):
    p = smb.NewSMBPacket(data=msg)
    smb.SMB.signSMB(Signer(seq), p, key, resp)
    return p.getData()

session_key = bytes(range(0x10, 0x20))
nt_resp = bytes((0xa0 + i) & 0xff for i in range(24))
cases = [
    ("echo request, NTLMv1 challenge/response key (session key || 24-byte NT response)", session_key, nt_resp, 2, echo_req),
    ("READ_ANDX reply, NTLMv1 challenge/response key", session_key, nt_resp, 3, read_resp),
    ("echo request, NTLMSSP key (exported session key alone)", session_key, b'', 6, echo_req),
    ("READ_ANDX reply, NTLMSSP key", session_key, b'', 7, read_resp),
]
print("# SMB1 message signatures (MS-CIFS 3.1.4.1) computed by impacket", sys.argv[1])
print("# (impacket.smb.SMB.signSMB), not by tinysmbd. Each case: key (MAC key),")
print("# seq (sequence number), msg (the signed SMB message, SecuritySignature")
print("# holding the MAC at offset 14). Written by impacket-macs.py.")
for name, k, r, seq, msg in cases:
    print()
    print("case", name)
    print("key", (k + r).hex())
    print("seq", seq)
    print("msg", sign(msg, k, r, seq).hex())
