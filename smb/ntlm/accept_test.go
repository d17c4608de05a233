package ntlm

import "testing"

// TestWellFormedNTLMv2Response: the fixed 28 bytes after NTProofStr, then
// AvPairs that reach MsvAvEOL inside the field (MS-NLMP 2.2.2.7, 2.2.2.8).
func TestWellFormedNTLMv2Response(t *testing.T) {
	head := make([]byte, 16+28)
	eol := []byte{0, 0, 0, 0}
	pair := []byte{1, 0, 2, 0, 'A', 0}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		nt   []byte
		want bool
	}{
		{"eol only", cat(head, eol), true},
		{"pair then eol, padding after", cat(head, pair, eol, []byte{0, 0, 0, 0}), true},
		{"no eol", cat(head, pair), false},
		{"pair overruns", cat(head, []byte{1, 0, 9, 0, 'A'}), false},
		{"short fixed part", cat(head[:40], eol), false},
		// 24 bytes of NTLMv1, then a client blob: the AvPairs are read from
		// the blob's client challenge (05 06 07 08: a pair overrunning).
		{"ntlmv1 followed by a blob", cat(make([]byte, 24), []byte{1, 1, 0, 0, 0, 0, 0, 0},
			[]byte{0, 0, 0, 0, 0, 0, 0xd0, 1}, []byte{1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 4), eol, make([]byte, 4)), false},
	} {
		if got := WellFormedNTLMv2Response(tc.nt); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
