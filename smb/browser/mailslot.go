package browser

import (
	"encoding/binary"

	"github.com/tinysmbd/tinysmbd/smb"
)

// Mailslot names (MS-BRWS 2.1): browser frames go to MailslotBrowse;
// MailslotLanman carries the LAN Manager announcements of OS/2-era hosts.
const (
	MailslotBrowse = `\MAILSLOT\BROWSE`
	MailslotLanman = `\MAILSLOT\LANMAN`
)

// Mailslot write setup words (MS-MAIL 2.2.1).
const (
	mailslotOpcodeWrite = 1
	// mailslotPriority is what Samba's nmbd sends; MS-MAIL allows 0-9.
	mailslotPriority = 1
	// MailslotClassReliable and MailslotClassUnreliable are the Class
	// setup word: class 2 is the unreliable, broadcast kind that browser
	// frames use and that needs no response (MS-MAIL 2.2.1).
	MailslotClassReliable   = 1
	MailslotClassUnreliable = 2

	mailslotWords = 17 // 14 TRANSACTION words and 3 setup words
	// mailslotFixedLen is the header, WordCount, the words and ByteCount.
	mailslotFixedLen = smb.HeaderLen + 1 + 2*mailslotWords + 2
)

var (
	errNotTransaction = parseError("browser: not an SMB_COM_TRANSACTION request")
	errNotMailslot    = parseError("browser: transaction is not a mailslot write")
	errSplit          = parseError("browser: mailslot write split across messages")
)

// Mailslot is a validated mailslot write (MS-MAIL 2.2.1). Name and Data
// alias the message.
type Mailslot struct {
	// Name is the mailslot name as raw string bytes, OEM unless the header
	// says Unicode; compare it with MailslotBrowse case-insensitively.
	Name []byte
	// Class is MailslotClassReliable or MailslotClassUnreliable.
	Class uint16
	// Data is the browser frame, opcode first.
	Data []byte
}

// ParseMailslot validates msg, an SMB message as a NetBIOS datagram carries
// it, as a TRANSACTION request that writes to a mailslot.
func ParseMailslot(msg []byte) (Mailslot, error) {
	m, err := smb.ParseMessage(msg)
	if err != nil {
		return Mailslot{}, err
	}
	if m.Header.Command() != smb.ComTransaction || m.Header.Flags()&smb.FlagsReply != 0 {
		return Mailslot{}, errNotTransaction
	}
	t, err := smb.ParseTransRequest(m.First)
	if err != nil {
		return Mailslot{}, err
	}
	// MS-MAIL 2.2.1: three setup words, MailSlotOpcode first and 1.
	if t.SetupCount() < 3 || t.SetupWord(0) != mailslotOpcodeWrite {
		return Mailslot{}, errNotMailslot
	}
	// A datagram has no TRANSACTION_SECONDARY to complete it.
	if !t.Complete() {
		return Mailslot{}, errSplit
	}
	return Mailslot{Name: t.Name, Class: t.SetupWord(2), Data: t.Data}, nil
}

// AppendMailslotWrite appends the SMB_COM_TRANSACTION request that writes
// data to the named mailslot with class 2 (MS-MAIL 2.2.1), ready to be a
// datagram's user data. Everything a session would set is zero: PID, TID,
// UID, MID and the flags (MS-BRWS 4.1). name is ASCII.
func AppendMailslotWrite(dst []byte, name string, data []byte) []byte {
	// The header, the words and ByteCount; the data block holds the name,
	// its terminator and the data, no padding, so the data starts right
	// after the name.
	var b [mailslotFixedLen]byte
	copy(b[:], smb.ProtocolSMB1[:])
	b[4] = smb.ComTransaction
	w := b[smb.HeaderLen:]
	w[0] = mailslotWords
	le := binary.LittleEndian
	le.PutUint16(w[3:], uint16(len(data)))                     // TotalDataCount
	le.PutUint16(w[23:], uint16(len(data)))                    // DataCount
	le.PutUint16(w[25:], uint16(mailslotFixedLen+len(name)+1)) // DataOffset
	w[27] = 3                                                  // SetupCount
	le.PutUint16(w[29:], mailslotOpcodeWrite)
	le.PutUint16(w[31:], mailslotPriority)
	le.PutUint16(w[33:], MailslotClassUnreliable)
	le.PutUint16(w[35:], uint16(len(name)+1+len(data))) // ByteCount
	dst = append(dst, b[:]...)
	dst = append(dst, name...)
	dst = append(dst, 0)
	return append(dst, data...)
}
