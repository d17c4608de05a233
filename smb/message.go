package smb

import "encoding/binary"

// Block is one command's parameter block (SMB_Parameters) and data block
// (SMB_Data) inside a message (MS-CIFS 2.2.3.2, 2.2.3.3). Words and Data alias
// the message buffer. Msg is the whole message from the SMB header on,
// because offsets inside blocks (AndXOffset, DataOffset, ParameterOffset)
// count from the start of the header.
type Block struct {
	Command uint8
	// Msg is the whole SMB message, header first.
	Msg []byte
	// Offset is where this block's WordCount byte sits in Msg.
	Offset int
	Words  []byte
	Data   []byte
}

// WordCount is the number of 16-bit parameter words.
func (b Block) WordCount() int { return len(b.Words) / 2 }

// Word returns parameter word i; the caller has checked WordCount.
func (b Block) Word(i int) uint16 { return binary.LittleEndian.Uint16(b.Words[2*i:]) }

// DataOffset is the offset of the data block from the start of the header,
// needed for the 2-byte alignment of Unicode strings, which counts from the
// header (MS-CIFS 2.2.3.3).
func (b Block) DataOffset() int { return b.Offset + 1 + len(b.Words) + 2 }

// Andx returns the AndX header of an AndX block: the follower's command and
// the offset of its parameter block. The caller has checked IsAndX and
// WordCount >= 2.
func (b Block) AndX() (next uint8, offset uint16) {
	return b.Words[0], binary.LittleEndian.Uint16(b.Words[2:])
}

// parseBlock reads the WordCount/Words/ByteCount/Bytes pair at off.
func parseBlock(msg []byte, off int, cmd uint8) (Block, error) {
	if off >= len(msg) {
		return Block{}, errWordCount
	}
	wc := int(msg[off])
	wordsEnd := off + 1 + 2*wc
	if wordsEnd+2 > len(msg) {
		return Block{}, errWordCount
	}
	bc := int(binary.LittleEndian.Uint16(msg[wordsEnd:]))
	dataEnd := wordsEnd + 2 + bc
	if dataEnd > len(msg) {
		return Block{}, errByteCount
	}
	return Block{
		Command: cmd,
		Msg:     msg,
		Offset:  off,
		Words:   msg[off+1 : wordsEnd],
		Data:    msg[wordsEnd+2 : dataEnd],
	}, nil
}

// Message is a validated SMB1 message: the header and the first command's
// blocks. Later AndX blocks are reached with Chain.
type Message struct {
	Header Header
	First  Block
}

// ParseMessage validates the header and the first parameter/data block of msg
// (one NetBT session message payload).
func ParseMessage(msg []byte) (Message, error) {
	h, err := ParseHeader(msg)
	if err != nil {
		return Message{}, err
	}
	first, err := parseBlock(msg, HeaderLen, h.Command())
	if err != nil {
		return Message{}, err
	}
	return Message{Header: h, First: first}, nil
}

// MaxAndXDepth caps the number of commands in one chain. MS-CIFS sets no
// number; Windows stops far below this, and a cap keeps a crafted chain from
// costing more than a bounded amount of work (the lesson of CVE-2010-2063,
// Samba's chain walker).
const MaxAndXDepth = 8

// Chain walks the AndX chain starting at the message's first block. It is a
// value type: the zero allocations of the parse path hold across the walk.
//
//	for c := m.Chain(); c.Next(); {
//		b := c.Block()
//		...
//	}
//	if err := c.Err(); err != nil { ... }
type Chain struct {
	cur   Block
	depth int
	err   error
}

// Chain returns an iterator over m's blocks, the first block included.
func (m Message) Chain() Chain {
	return Chain{cur: m.First}
}

// Next advances to the next block and reports whether there is one. The
// first call yields the message's first block.
func (c *Chain) Next() bool {
	if c.err != nil {
		return false
	}
	if c.depth == 0 {
		c.depth = 1
		return true
	}
	prev := c.cur
	if !IsAndX(prev.Command) || prev.WordCount() < 2 {
		return false
	}
	next, off := prev.AndX()
	if next == ComNoAndXCommand {
		return false
	}
	// MS-CIFS 2.2.3.4: AndXOffset is from the header start to the
	// follower's parameter block; it must move forward and stay inside
	// the message, or a chain could loop or read outside it.
	if int(off) <= prev.Offset || int(off) >= len(prev.Msg) {
		c.err = errAndXOrder
		return false
	}
	if c.depth >= MaxAndXDepth {
		c.err = errAndXDepth
		return false
	}
	if !FollowerAllowed(prev.Command, next) {
		c.err = errAndXFollow
		return false
	}
	b, err := parseBlock(prev.Msg, int(off), next)
	if err != nil {
		c.err = err
		return false
	}
	c.cur = b
	c.depth++
	return true
}

// Block returns the current block.
func (c *Chain) Block() Block { return c.cur }

// Err returns the error that ended the walk, if any.
func (c *Chain) Err() error { return c.err }

// FollowerAllowed reports whether command next may follow prev in an AndX
// chain. The lists are the "follow-on commands" of each AndX command in
// MS-CIFS 2.2.4 (2.2.3.4.1 points there).
func FollowerAllowed(prev, next uint8) bool {
	switch prev {
	case ComSessionSetupAndX: // MS-CIFS 2.2.4.53
		switch next {
		case ComTreeConnectAndX, ComOpen, ComOpenAndX, ComCreate, ComCreateNew,
			ComCreateDirectory, ComDelete, ComDeleteDirectory, ComFind, ComFindUnique,
			ComCopy, ComRename, ComNTRename, ComCheckDirectory, ComQueryInformation,
			ComSetInformation, ComOpenPrintFile, ComGetPrintQueue, ComTransaction:
			return true
		}
	case ComTreeConnectAndX: // MS-CIFS 2.2.4.55
		switch next {
		case ComOpen, ComCreateNew, ComDeleteDirectory, ComFindUnique, ComCheckDirectory,
			ComGetPrintQueue, ComTransaction, ComSetInformation, ComOpenAndX, ComCreate,
			ComOpenPrintFile, ComRename, ComCreateDirectory, ComFind, ComCopy,
			ComQueryInformation, ComDelete, ComNTRename, ComNTCreateAndX, ComTransaction2:
			return true
		}
	case ComLogoffAndX: // MS-CIFS 2.2.4.54
		return next == ComSessionSetupAndX
	case ComOpenAndX, ComNTCreateAndX: // MS-CIFS 2.2.4.41, 2.2.4.64
		switch next {
		case ComRead, ComReadAndX, ComIOCTL:
			return true
		}
	case ComReadAndX: // MS-CIFS 2.2.4.42
		return next == ComClose
	case ComWriteAndX: // MS-CIFS 2.2.4.43
		switch next {
		case ComRead, ComReadAndX, ComLockAndRead, ComWriteAndClose, ComClose:
			return true
		}
	case ComLockingAndX: // MS-CIFS 2.2.4.32
		switch next {
		case ComRead, ComReadAndX, ComWrite, ComWriteAndX, ComFlush:
			return true
		}
	}
	return false
}
