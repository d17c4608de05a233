package smb

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// Test helpers that build transaction messages the way clients lay them out:
// header, words, ByteCount, name or pad, parameters aligned to 4 from the
// header, data aligned to 4.

func trHex(s string) []byte {
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func trHeader(cmd uint8, unicode bool) []byte {
	h := make([]byte, HeaderLen)
	copy(h, ProtocolSMB1[:])
	h[4] = cmd
	h[9] = FlagsCaseInsensitive | FlagsCanonicalPaths
	f2 := Flags2LongNames | Flags2NTStatus | Flags2ExtendedSecurity
	if unicode {
		f2 |= Flags2Unicode
	}
	binary.LittleEndian.PutUint16(h[10:], f2)
	binary.LittleEndian.PutUint16(h[24:], 1)    // TID
	binary.LittleEndian.PutUint16(h[26:], 0x2a) // PID
	binary.LittleEndian.PutUint16(h[28:], 100)  // UID
	binary.LittleEndian.PutUint16(h[30:], 5)    // MID
	return h
}

// trPrimarySpec describes a primary transaction request to build.
type trPrimarySpec struct {
	cmd            uint8
	unicode        bool
	setup          []uint16
	name           string // TRANSACTION only
	params, data   []byte
	totalP, totalD int // -1: len(params), len(data)
	maxP, maxD     int
	function       uint16 // NT_TRANSACT
}

func trPrimary(s trPrimarySpec) []byte {
	if s.totalP < 0 {
		s.totalP = len(s.params)
	}
	if s.totalD < 0 {
		s.totalD = len(s.data)
	}
	msg := trHeader(s.cmd, s.unicode)
	nt := s.cmd == ComNTTransact
	fixed := 14
	if nt {
		fixed = 19
	}
	wc := fixed + len(s.setup)
	msg = append(msg, byte(wc))
	wordsAt := len(msg)
	msg = append(msg, make([]byte, 2*wc)...)
	bcAt := len(msg)
	msg = append(msg, 0, 0)
	dataStart := len(msg)
	switch {
	case s.cmd == ComTransaction:
		if s.unicode {
			if len(msg)%2 == 1 {
				msg = append(msg, 0)
			}
			msg = AppendUTF16(msg, s.name)
			msg = append(msg, 0, 0)
		} else {
			msg = append(AppendOEM(msg, s.name), 0)
		}
	case !nt:
		msg = append(msg, 0) // Name: one null byte
	}
	for len(msg)%4 != 0 {
		msg = append(msg, 0)
	}
	poff := len(msg)
	msg = append(msg, s.params...)
	for len(msg)%4 != 0 {
		msg = append(msg, 0)
	}
	doff := len(msg)
	msg = append(msg, s.data...)
	binary.LittleEndian.PutUint16(msg[bcAt:], uint16(len(msg)-dataStart))
	w := msg[wordsAt : wordsAt+2*wc]
	if nt {
		w[0] = 0
		binary.LittleEndian.PutUint32(w[3:], uint32(s.totalP))
		binary.LittleEndian.PutUint32(w[7:], uint32(s.totalD))
		binary.LittleEndian.PutUint32(w[11:], uint32(s.maxP))
		binary.LittleEndian.PutUint32(w[15:], uint32(s.maxD))
		binary.LittleEndian.PutUint32(w[19:], uint32(len(s.params)))
		binary.LittleEndian.PutUint32(w[23:], uint32(poff))
		binary.LittleEndian.PutUint32(w[27:], uint32(len(s.data)))
		binary.LittleEndian.PutUint32(w[31:], uint32(doff))
		w[35] = byte(len(s.setup))
		binary.LittleEndian.PutUint16(w[36:], s.function)
		for i, v := range s.setup {
			binary.LittleEndian.PutUint16(w[38+2*i:], v)
		}
		return msg
	}
	binary.LittleEndian.PutUint16(w[0:], uint16(s.totalP))
	binary.LittleEndian.PutUint16(w[2:], uint16(s.totalD))
	binary.LittleEndian.PutUint16(w[4:], uint16(s.maxP))
	binary.LittleEndian.PutUint16(w[6:], uint16(s.maxD))
	binary.LittleEndian.PutUint16(w[18:], uint16(len(s.params)))
	binary.LittleEndian.PutUint16(w[20:], uint16(poff))
	binary.LittleEndian.PutUint16(w[22:], uint16(len(s.data)))
	binary.LittleEndian.PutUint16(w[24:], uint16(doff))
	w[26] = byte(len(s.setup))
	for i, v := range s.setup {
		binary.LittleEndian.PutUint16(w[28+2*i:], v)
	}
	return msg
}

// trSecondarySpec describes a secondary transaction request to build.
type trSecondarySpec struct {
	cmd            uint8
	params, data   []byte
	pdisp, ddisp   int
	totalP, totalD int
	fid            uint16
}

func trSecondary(s trSecondarySpec) []byte {
	msg := trHeader(s.cmd, true)
	var wc int
	switch s.cmd {
	case ComTransactionSecondary:
		wc = 8
	case ComTransaction2Secondary:
		wc = 9
	default:
		wc = 18
	}
	msg = append(msg, byte(wc))
	wordsAt := len(msg)
	msg = append(msg, make([]byte, 2*wc)...)
	bcAt := len(msg)
	msg = append(msg, 0, 0)
	dataStart := len(msg)
	for len(msg)%4 != 0 {
		msg = append(msg, 0)
	}
	poff := len(msg)
	msg = append(msg, s.params...)
	for len(msg)%4 != 0 {
		msg = append(msg, 0)
	}
	doff := len(msg)
	msg = append(msg, s.data...)
	binary.LittleEndian.PutUint16(msg[bcAt:], uint16(len(msg)-dataStart))
	w := msg[wordsAt : wordsAt+2*wc]
	if wc == 18 {
		binary.LittleEndian.PutUint32(w[3:], uint32(s.totalP))
		binary.LittleEndian.PutUint32(w[7:], uint32(s.totalD))
		binary.LittleEndian.PutUint32(w[11:], uint32(len(s.params)))
		binary.LittleEndian.PutUint32(w[15:], uint32(poff))
		binary.LittleEndian.PutUint32(w[19:], uint32(s.pdisp))
		binary.LittleEndian.PutUint32(w[23:], uint32(len(s.data)))
		binary.LittleEndian.PutUint32(w[27:], uint32(doff))
		binary.LittleEndian.PutUint32(w[31:], uint32(s.ddisp))
		return msg
	}
	binary.LittleEndian.PutUint16(w[0:], uint16(s.totalP))
	binary.LittleEndian.PutUint16(w[2:], uint16(s.totalD))
	binary.LittleEndian.PutUint16(w[4:], uint16(len(s.params)))
	binary.LittleEndian.PutUint16(w[6:], uint16(poff))
	binary.LittleEndian.PutUint16(w[8:], uint16(s.pdisp))
	binary.LittleEndian.PutUint16(w[10:], uint16(len(s.data)))
	binary.LittleEndian.PutUint16(w[12:], uint16(doff))
	binary.LittleEndian.PutUint16(w[14:], uint16(s.ddisp))
	if wc == 9 {
		binary.LittleEndian.PutUint16(w[16:], s.fid)
	}
	return msg
}

func trBlock(msg []byte) Block {
	m, err := ParseMessage(msg)
	if err != nil {
		panic(err)
	}
	return m.First
}

// trPattern returns n bytes that differ by position, so a misplaced fragment
// shows.
func trPattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}
