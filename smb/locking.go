package smb

import "encoding/binary"

// TypeOfLock bits of SMB_COM_LOCKING_ANDX (MS-CIFS 2.2.4.32.1).
const (
	LockingSharedLock     uint8 = 0x01 // the locks are shared (read) locks
	LockingOplockRelease  uint8 = 0x02 // an oplock break acknowledgement
	LockingChangeLockType uint8 = 0x04 // atomically change shared/exclusive
	LockingCancelLock     uint8 = 0x08 // cancel a pending lock request
	LockingLargeFiles     uint8 = 0x10 // ranges are LOCKING_ANDX_RANGE64
)

// LockTimeoutForever is the Timeout that waits without a limit
// (MS-CIFS 2.2.4.32.1).
const LockTimeoutForever uint32 = 0xFFFFFFFF

// Sizes of one LOCKING_ANDX_RANGE32 and LOCKING_ANDX_RANGE64 entry.
const (
	lockRange32Len = 10
	lockRange64Len = 20
)

var errLockingRanges = parseError("smb: LOCKING_ANDX ranges outside the data block")

// LockingAndXRequest is a view of an SMB_COM_LOCKING_ANDX request
// (MS-CIFS 2.2.4.32.1, WordCount 8): the parameter words and the unlock and
// lock ranges that follow them in the data block. It aliases the request
// buffer.
type LockingAndXRequest struct {
	w    []byte
	data []byte
}

// ParseLockingAndXRequest validates b as a LOCKING_ANDX request:
// NumberOfRequestedUnlocks plus NumberOfRequestedLocks ranges, each 10 or
// 20 bytes as LOCKING_ANDX_LARGE_FILES says, must fit the data block.
func ParseLockingAndXRequest(b Block) (LockingAndXRequest, error) {
	if err := wantWords(b, 8); err != nil {
		return LockingAndXRequest{}, err
	}
	q := LockingAndXRequest{w: b.Words, data: b.Data}
	n := int(q.NumberOfRequestedUnlocks()) + int(q.NumberOfRequestedLocks())
	if n*q.rangeLen() > len(b.Data) {
		return LockingAndXRequest{}, errLockingRanges
	}
	return q, nil
}

func (q LockingAndXRequest) FID() uint16           { return rd16(q.w, 4) }
func (q LockingAndXRequest) TypeOfLock() uint8     { return q.w[6] }
func (q LockingAndXRequest) NewOplockLevel() uint8 { return q.w[7] }

// Timeout is in milliseconds: 0 fails at once, LockTimeoutForever waits
// without a limit.
func (q LockingAndXRequest) Timeout() uint32                  { return rd32(q.w, 8) }
func (q LockingAndXRequest) NumberOfRequestedUnlocks() uint16 { return rd16(q.w, 12) }
func (q LockingAndXRequest) NumberOfRequestedLocks() uint16   { return rd16(q.w, 14) }

// Large reports whether the ranges are 64-bit (LOCKING_ANDX_RANGE64).
func (q LockingAndXRequest) Large() bool { return q.TypeOfLock()&LockingLargeFiles != 0 }

func (q LockingAndXRequest) rangeLen() int {
	if q.Large() {
		return lockRange64Len
	}
	return lockRange32Len
}

// Unlock returns unlock range i, 0 <= i < NumberOfRequestedUnlocks.
func (q LockingAndXRequest) Unlock(i int) LockRange { return q.rangeAt(i) }

// Lock returns lock range i, 0 <= i < NumberOfRequestedLocks; the locks
// follow the unlocks in the data block.
func (q LockingAndXRequest) Lock(i int) LockRange {
	return q.rangeAt(int(q.NumberOfRequestedUnlocks()) + i)
}

// LockRange is one decoded LOCKING_ANDX_RANGE32 or _RANGE64 entry.
type LockRange struct {
	PID    uint16
	Offset uint64
	Length uint64
}

// rangeAt decodes entry i. MS-CIFS 2.2.4.32.1: RANGE64 is PID, Pad,
// OffsetHigh, OffsetLow, LengthHigh, LengthLow — the high halves first.
func (q LockingAndXRequest) rangeAt(i int) LockRange {
	if q.Large() {
		e := q.data[i*lockRange64Len:]
		return LockRange{
			PID:    rd16(e, 0),
			Offset: uint64(rd32(e, 4))<<32 | uint64(rd32(e, 8)),
			Length: uint64(rd32(e, 12))<<32 | uint64(rd32(e, 16)),
		}
	}
	e := q.data[i*lockRange32Len:]
	return LockRange{PID: rd16(e, 0), Offset: uint64(rd32(e, 2)), Length: uint64(rd32(e, 6))}
}

// EncodeLockingAndXResponse appends the success response
// (MS-CIFS 2.2.4.32.2): the AndX words and no data.
func EncodeLockingAndXResponse(r *Response) {
	r.BeginWords(ComLockingAndX)
	r.BeginData()
	r.End()
}

// ByteRangeRequest is a view of the parameter words of SMB_COM_LOCK_BYTE_RANGE
// and SMB_COM_UNLOCK_BYTE_RANGE (MS-CIFS 2.2.4.10.1, 2.2.4.11.1, WordCount
// 5): a FID and a 32-bit range. It aliases the request buffer; the response
// is EncodeEmptyResponse.
type ByteRangeRequest []byte

// ParseByteRangeRequest validates b as a LOCK_BYTE_RANGE or
// UNLOCK_BYTE_RANGE request.
func ParseByteRangeRequest(b Block) (ByteRangeRequest, error) {
	if err := wantWords(b, 5); err != nil {
		return nil, err
	}
	return ByteRangeRequest(b.Words), nil
}

func (q ByteRangeRequest) FID() uint16           { return rd16(q, 0) }
func (q ByteRangeRequest) CountOfBytes() uint32  { return rd32(q, 2) }
func (q ByteRangeRequest) OffsetInBytes() uint32 { return rd32(q, 6) }

// oplockBreakLen is the length of an oplock break request: the header,
// eight parameter words and an empty data block.
const oplockBreakLen = HeaderLen + 1 + 16 + 2

// AppendOplockBreakRequest appends the LOCKING_ANDX request a server sends
// to break the oplock on fid of tree tid to newLevel (0 none, 1 level II):
// MS-CIFS 2.2.4.32.1 and 3.3.4.2, MID 0xFFFF so that the client cannot take
// it for a reply, PID 0xFFFF and UID 0 as Windows and Samba send them,
// TypeOfLock OPLOCK_RELEASE and no ranges.
func AppendOplockBreakRequest(dst []byte, tid, fid uint16, newLevel uint8) []byte {
	at := len(dst)
	dst = append(dst, make([]byte, oplockBreakLen)...)
	m := dst[at:]
	copy(m, "\xffSMB")
	h := Header(m[:HeaderLen])
	h.SetCommand(ComLockingAndX)
	h.SetTID(tid)
	h.SetPIDLow(0xFFFF)
	h.SetMID(0xFFFF)
	w := m[HeaderLen:]
	w[0] = 8                // WordCount
	w[1] = ComNoAndXCommand // AndXCommand; AndXReserved and AndXOffset stay 0
	binary.LittleEndian.PutUint16(w[5:], fid)
	w[7] = LockingOplockRelease
	w[8] = newLevel
	// Timeout, the range counts and ByteCount stay 0.
	return dst
}
