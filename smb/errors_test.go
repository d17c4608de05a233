package smb

import (
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestIsMalformed(t *testing.T) {
	for _, err := range []error{
		errShort, errProtocol, errWordCount, errByteCount, errWords, errOffset,
		errAndXOrder, errAndXDepth, errAndXFollow, errString,
		errDialect, errBufferFormat, errWriteData,
	} {
		if !IsMalformed(err) || !errors.Is(err, ErrMalformed) {
			t.Errorf("IsMalformed(%v) = false", err)
		}
	}
	for _, err := range []error{nil, StatusAccessDenied, errors.New("smb: other")} {
		if IsMalformed(err) {
			t.Errorf("IsMalformed(%v) = true", err)
		}
	}
	// Sentinels stay comparable with ==, as handlers switch on them.
	_, err := ParseReadAndXRequest(cmdFirst(t, cmdMsg(ComReadAndX, 0, nil, nil)))
	if err != errWords {
		t.Errorf("err = %v, want errWords by identity", err)
	}
}

// TestNoFmt keeps fmt out of the package's non-test code: parse errors are
// sentinels, and formatting would allocate on the parse path (the rule
// x/net/dns/dnsmessage enforces the same way).
func TestNoFmt(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "fmt" {
				t.Errorf("%s imports fmt", name)
			}
		}
	}
}
