package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tinysmbd/tinysmbd/internal/testpeer"
)

// allowedCrypto are the only crypto packages tinysmbd may import on Linux:
// every other one (crypto/md5, crypto/hmac, crypto/rand, ...) links the
// FIPS 140 module, about 170 KB of the 4 MiB firmware binary. smb/ntlm has
// its own MD5, HMAC-MD5, DES and RC4 and server reads getrandom(2) instead.
var allowedCrypto = map[string]bool{"crypto/subtle": true, "golang.org/x/crypto/md4": true}

func TestNoFIPSModuleImports(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		testpeer.SkipOrFatal(t, "the go command is not on PATH: %v", err)
	}
	for _, tags := range []string{"", "tinysmbd_nonbns tinysmbd_nobrowse tinysmbd_noipc tinysmbd_nocore tinysmbd_nodns"} {
		cmd := exec.Command(goBin, "list", "-tags", tags, "-f", `{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}`, "./...")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=mipsle", "CGO_ENABLED=0", "GOFLAGS=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -tags %q: %v", tags, err)
		}
		for line := range strings.Lines(string(out)) {
			pkg, imports, _ := strings.Cut(strings.TrimSpace(line), ":")
			if strings.HasPrefix(pkg, "github.com/tinysmbd/tinysmbd/scripts/") {
				continue // development tools, not in the binary
			}
			for _, imp := range strings.Fields(imports) {
				if (strings.HasPrefix(imp, "crypto") || strings.HasPrefix(imp, "golang.org/x/crypto/")) && !allowedCrypto[imp] {
					t.Errorf("%s imports %s (tags %q): it links the FIPS 140 module into the firmware binary", pkg, imp, tags)
				}
			}
		}
	}
}
