package smb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Helpers for the command tests (negotiate_test.go ... queryinfodisk_test.go).

// cmdGolden loads testdata/golden/name.xxd, an xxd hexdump of one SMB
// message captured on the wire (Samba 4.17 answering smbclient or
// impacket); `xxd -r` turns it back into bytes.
func cmdGolden(tb testing.TB, name string) []byte {
	tb.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", "golden", name+".xxd"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []byte
	for _, line := range strings.Split(string(text), "\n") {
		if len(line) < 10 {
			continue
		}
		// "%08x: " then 8 groups of 4 hex digits in a 39-column field.
		field := line[10:min(len(line), 49)]
		b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(field), " ", ""))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, b...)
	}
	return out
}

// cmdHex decodes hex with any whitespace in it.
func cmdHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// cmdMsg builds a request: a header for cmd with flags2, then one block.
func cmdMsg(cmd uint8, flags2 uint16, words, data []byte) []byte {
	m := make([]byte, HeaderLen, HeaderLen+3+len(words)+len(data))
	copy(m, ProtocolSMB1[:])
	m[4] = cmd
	m[9] = FlagsCaseInsensitive | FlagsCanonicalPaths
	binary.LittleEndian.PutUint16(m[10:], flags2)
	m = append(m, byte(len(words)/2))
	m = append(m, words...)
	m = binary.LittleEndian.AppendUint16(m, uint16(len(data)))
	return append(m, data...)
}

// cmdUni is the Flags2 of a Unicode, NT-status request; cmdOEM of an OEM one.
const (
	cmdUni = Flags2Unicode | Flags2NTStatus | Flags2LongNames
	cmdOEM = Flags2NTStatus | Flags2LongNames
)

// cmdFirst parses msg and returns its first block.
func cmdFirst(tb testing.TB, msg []byte) Block {
	tb.Helper()
	m, err := ParseMessage(msg)
	if err != nil {
		tb.Fatalf("ParseMessage: %v", err)
	}
	return m.First
}

// cmdReply starts a response whose header is that of the captured reply gold
// (status cleared), so an encoder's output can be compared with it byte for
// byte.
func cmdReply(gold []byte) *Response {
	r := new(Response)
	h := Header(gold[:HeaderLen])
	r.Begin(nil, h, h.Flags2())
	return r
}

// cmdSame fails unless got equals want, showing both as hexdumps.
func cmdSame(tb testing.TB, got, want []byte) {
	tb.Helper()
	if !bytes.Equal(got, want) {
		tb.Fatalf("bytes differ\ngot:\n%swant:\n%s", hex.Dump(got), hex.Dump(want))
	}
}

// cmdParseBack checks that an encoded response is a well-formed message
// whose first block has wc words and nData data bytes.
func cmdParseBack(tb testing.TB, msg []byte, wc, nData int) Block {
	tb.Helper()
	m, err := ParseMessage(msg)
	if err != nil {
		tb.Fatalf("response does not parse: %v", err)
	}
	if !m.Header.IsReply() {
		tb.Fatal("response without FlagsReply")
	}
	if m.First.WordCount() != wc || len(m.First.Data) != nData {
		tb.Fatalf("response has %d words, %d data bytes; want %d, %d",
			m.First.WordCount(), len(m.First.Data), wc, nData)
	}
	return m.First
}

// cmdStr decodes a raw string field to UTF-8 for comparisons.
func cmdStr(raw []byte, unicode bool) string { return string(DecodeString(nil, raw, unicode)) }

// cmdU16 is s as UTF-16LE, no terminator.
func cmdU16(s string) []byte { return AppendUTF16(nil, s) }
