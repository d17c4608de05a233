package server_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/server"
)

// sambaNTLMMatrix reads smb/ntlm/testdata/samba_matrix.txt: for each
// row key ("ess lm nt content") Samba's answer with ntlm auth = yes and
// with ntlmv2-only.
func sambaNTLMMatrix(t *testing.T) (keys []string, answers map[string][2]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "smb", "ntlm", "testdata", "samba_matrix.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	answers = map[string][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 6 {
			t.Fatalf("samba_matrix.txt: bad row %q", sc.Text())
		}
		key := strings.Join(fields[:4], " ")
		keys = append(keys, key)
		answers[key] = [2]string{fields[4], fields[5]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return keys, answers
}

// TestInteropNTLMMatrixAsSamba runs testdata/interop/ntlm_matrix.py, one
// hand-built NTLMSSP logon per combination of the ESS flag, LM and NT field
// lengths and response content, against the server with NTLMv1 allowed and
// refused, and requires each answer to be the one Samba 4.17 gave with
// "ntlm auth = yes" and "ntlm auth = ntlmv2-only" (recorded in
// smb/ntlm/testdata/samba_matrix.txt by the same script).
func TestInteropNTLMMatrixAsSamba(t *testing.T) {
	python := requirePeer(t, "impacket")
	keys, want := sambaNTLMMatrix(t)
	if len(keys) != 72 {
		t.Fatalf("samba_matrix.txt has %d rows, want 2*3*4*3 = 72", len(keys))
	}
	script, err := filepath.Abs(filepath.Join("testdata", "interop", "ntlm_matrix.py"))
	if err != nil {
		t.Fatal(err)
	}
	for col, allow := range []bool{true, false} {
		l, port := listenDirect(t)
		ts := newTestShares(t)
		ts.cfg.NTLMv1 = allow
		ts.cfg.LogonFailureDelay = -1
		ts.cfg.LogonFailureLimit = -1
		startServer(t, ts.cfg, served{l, server.FramingDirect})
		ctx, cancel := context.WithTimeout(context.Background(), 2*peerTimeout)
		out, err := exec.CommandContext(ctx, python, script, "--port", strconv.Itoa(port),
			"--user", testUser, "--password", testPassword).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("ntlm_matrix.py (NTLMv1 %v): %v\n%s", allow, err, out)
		}
		got := map[string]string{}
		done := false
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) == 5:
				got[strings.Join(f[:4], " ")] = f[4]
			case line == "done":
				done = true
			}
		}
		if !done {
			t.Fatalf("ntlm_matrix.py (NTLMv1 %v) did not run to the end:\n%s", allow, out)
		}
		accepted := 0
		for _, k := range keys {
			if got[k] != want[k][col] {
				t.Errorf("NTLMv1 %v, row %q (ESS, LM length, NT length, content): got %q, Samba %q", allow, k, got[k], want[k][col])
			}
			if got[k] == "ok" {
				accepted++
			}
		}
		t.Logf("NTLMv1 %v: %d of %d forms logged on", allow, accepted, len(keys))
	}
}
