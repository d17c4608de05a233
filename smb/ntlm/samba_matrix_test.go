package ntlm

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/smb"
)

// matrixResponses returns what server/testdata/interop/ntlm_matrix.py
// sends for content ("v1", "v2" or "ntlm2"): the 24-byte LM field, the
// 24-byte NT field and the long NT field (the 24 bytes followed by an
// NTLMv2 client blob; for v2 the real NTLMv2 response).
func matrixResponses(content string, ntHash [16]byte, user, domain string, chal [8]byte, targetInfo []byte) (lm, nt, long []byte) {
	cc := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	const ts = 0x01D0000000000000
	v2, lmv2, _ := NTLMv2Response(nil, ntHash, user, domain, chal, cc, ts, targetInfo)
	blob := v2[16:]
	switch content {
	case "v1":
		r := desl(ntHash, chal[:])
		return r[:], r[:], append(r[:], blob...)
	case "ntlm2":
		sum := md5Sum(chal[:], cc[:])
		r := desl(ntHash, sum[:8])
		return append(cc[:], make([]byte, 16)...), r[:], append(r[:], blob...)
	}
	return lmv2[:], v2[:24], v2
}

// TestSambaMatrix replays the NTLMSSP logons of
// server/testdata/interop/ntlm_matrix.py (ESS flag x LM field 0/8/24 bytes x
// NT field 0/8/24/NTLMv2 bytes x NTLMv1/NTLMv2/NTLM2 content) through a
// ServerSession with AllowNTLMv1 true and false, and expects each answer
// Samba 4.17 gave with "ntlm auth = yes" and "ntlmv2-only"
// (testdata/samba_matrix.txt, recorded by that script).
func TestSambaMatrix(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "samba_matrix.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const user, domain = "alice", "WORKGROUP"
	ntHash := NTHash("secret")
	rows := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		row := strings.Fields(sc.Text())
		if len(row) == 0 || strings.HasPrefix(row[0], "#") {
			continue
		}
		if len(row) != 6 {
			t.Fatalf("bad row %q", sc.Text())
		}
		rows++
		lmLen, _ := strconv.Atoi(row[1])
		for i, allow := range []bool{true, false} {
			s := NewServerSession(ServerConfig{
				NetBIOSName: "TINYSMBD", Domain: domain, AllowNTLMv1: allow,
				LookupUser: func(string) ([16]byte, bool) { return ntHash, true },
				Challenge:  [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88},
			})
			flags := NegotiateUnicode | RequestTarget | NegotiateNTLM | NegotiateAlwaysSign | Negotiate128 | Negotiate56
			if row[0] == "1" {
				flags |= NegotiateExtendedSessionSecurity
			}
			out, _, err := s.Step(AppendNegotiate(nil, flags, "", ""))
			if err != nil {
				t.Fatal(err)
			}
			ch, err := ParseChallenge(out)
			if err != nil {
				t.Fatal(err)
			}
			lm24, nt24, long := matrixResponses(row[3], ntHash, user, domain, ch.ServerChallenge(), ch.TargetInfo())
			nt := long
			if row[2] != "long" {
				n, _ := strconv.Atoi(row[2])
				nt = nt24[:n]
			}
			_, _, err = s.Step(AppendAuthenticate(nil, AuthenticateParams{
				Flags: flags, LMResponse: lm24[:lmLen], NTResponse: nt,
				Domain: domain, User: user, Workstation: "MATRIX",
			}))
			got := "ok"
			var st smb.NTStatus
			if errors.As(err, &st) {
				got = "0x" + strconv.FormatUint(uint64(st), 16)
				got = got[:2] + strings.Repeat("0", 10-len(got)) + got[2:]
			} else if err != nil {
				got = err.Error()
			}
			if want := row[4+i]; got != want {
				t.Errorf("AllowNTLMv1 %v, ESS %s, LM %s, NT %s, %s: got %s, Samba %s", allow, row[0], row[1], row[2], row[3], got, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != 72 {
		t.Fatalf("%d rows, want 72", rows)
	}
}
