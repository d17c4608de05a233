package ntlm

import (
	"bufio"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ntlmAuth drives Samba's ntlm_auth as a client over its squid-style helper
// protocol: a two-letter verb and an optional base64 token per line.
type ntlmAuth struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startNTLMAuth(t *testing.T, protocol string) *ntlmAuth {
	path, err := exec.LookPath("ntlm_auth")
	if err != nil {
		if os.Getenv("TINYSMBD_REQUIRE_PEERS") == "1" {
			t.Fatal("ntlm_auth (Debian package winbind) is required but not installed")
		}
		t.Skip("ntlm_auth not installed (apt-get install winbind); skipping the Samba client interop test")
	}
	cmd := exec.Command(path, "--helper-protocol="+protocol,
		"--username=alice", "--password=secret", "--domain=WORKGROUP")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &ntlmAuth{t: t, cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return a
}

// call sends verb and token, and returns the reply's verb and token.
func (a *ntlmAuth) call(verb string, token []byte) (string, []byte) {
	a.t.Helper()
	line := verb
	if token != nil {
		line += " " + base64.StdEncoding.EncodeToString(token)
	}
	if _, err := io.WriteString(a.in, line+"\n"); err != nil {
		a.t.Fatal(err)
	}
	reply, err := a.out.ReadString('\n')
	if err != nil {
		a.t.Fatalf("ntlm_auth: %v", err)
	}
	f := strings.Fields(reply)
	if len(f) == 0 {
		a.t.Fatalf("ntlm_auth: empty reply")
	}
	if len(f) < 2 || f[1] == "*" {
		return f[0], nil
	}
	tok, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return f[0], []byte(f[1]) // an error text, not a token
	}
	return f[0], tok
}

// TestSambaClientSPNEGO runs Samba's own SPNEGO/NTLMSSP client against
// ServerSession. Asked to sign, Samba sends a MIC (the challenge has a
// timestamp) and a mechListMIC, and checks the server's mechListMIC in the
// final reply before it answers AF.
func TestSambaClientSPNEGO(t *testing.T) {
	for _, sign := range []bool{false, true} {
		a := startNTLMAuth(t, "gss-spnego-client")
		if sign {
			if verb, _ := a.call("SF NTLMSSP_FEATURE_SIGN", nil); verb != "OK" {
				t.Fatalf("ntlm_auth SF: %s", verb)
			}
		}
		s := NewServerSession(testConfig(true))
		verb, tok := a.call("YR", nil)
		if verb != "YR" {
			t.Fatalf("ntlm_auth YR: %s %q", verb, tok)
		}
		for i := 0; ; i++ {
			if r, err := ParseNegTokenResp(tok); err == nil && r.ResponseToken != nil {
				if a, err := ParseAuthenticate(r.ResponseToken); err == nil && sign &&
					(!a.MICPresent() || len(r.MechListMIC) != 16) {
					t.Errorf("signing Samba client sent MIC %v, mechListMIC %x", a.MICPresent(), r.MechListMIC)
				}
			}
			out, res, err := s.Step(tok)
			if err != nil {
				t.Fatalf("sign=%v: server step %d: %v", sign, i, err)
			}
			verb, tok = a.call("TT", out)
			if res.State == StateDone {
				if res.User != "alice" || res.Method != MethodNTLMv2 || res.SessionKey == ([16]byte{}) {
					t.Errorf("sign=%v: result %+v", sign, res)
				}
				if verb != "AF" {
					t.Fatalf("sign=%v: ntlm_auth rejected the final reply: %s %q", sign, verb, tok)
				}
				break
			}
			if verb != "KK" || i > 3 {
				t.Fatalf("sign=%v: ntlm_auth: %s %q", sign, verb, tok)
			}
		}
	}
}

// TestSambaClientRaw runs Samba's raw NTLMSSP client.
func TestSambaClientRaw(t *testing.T) {
	a := startNTLMAuth(t, "ntlmssp-client-1")
	s := NewServerSession(testConfig(true))
	verb, neg := a.call("YR", nil)
	if verb != "YR" {
		t.Fatalf("ntlm_auth YR: %s %q", verb, neg)
	}
	chal, res, err := s.Step(neg)
	if err != nil || res.State != StateContinue {
		t.Fatalf("NEGOTIATE: %v", err)
	}
	verb, auth := a.call("TT", chal)
	if verb != "KK" && verb != "AF" {
		t.Fatalf("ntlm_auth TT: %s %q", verb, auth)
	}
	parsed, err := ParseAuthenticate(auth)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Samba raw AUTHENTICATE: MIC %v, flags %#x", parsed.MICPresent(), parsed.Flags())
	_, res, err = s.Step(auth)
	if err != nil || res.State != StateDone || res.User != "alice" {
		t.Fatalf("AUTHENTICATE: %v %+v", err, res)
	}
}
