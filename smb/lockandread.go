package smb

// SMB_COM_LOCK_AND_READ and SMB_COM_WRITE_AND_UNLOCK, the LAN Manager 1.0
// pair a server offers with CAP_LOCK_AND_READ. Their requests and responses
// have the layout of the core READ and WRITE, so they parse into the same
// views; only the command code and what the server does differ.

// ParseLockAndReadRequest validates b as a LOCK_AND_READ request
// (MS-CIFS 2.2.4.20.1, WordCount 5: FID, CountOfBytesToRead,
// ReadOffsetInBytes, EstimateOfRemainingBytesToBeRead). The server locks
// CountOfBytesToRead bytes at ReadOffsetInBytes for the request's PID
// before it reads them.
func ParseLockAndReadRequest(b Block) (ReadRequest, error) { return ParseReadRequest(b) }

// BeginLockAndReadResponse is BeginReadResponse for LOCK_AND_READ, whose
// response is laid out as READ's (MS-CIFS 2.2.4.20.2, WordCount 5);
// SetReadDataLength fixes its lengths after a short read.
func BeginLockAndReadResponse(r *Response, dataLen int) (pos int) {
	return beginReadResponse(r, ComLockAndRead, dataLen)
}

// ParseWriteAndUnlockRequest validates b as a WRITE_AND_UNLOCK request
// (MS-CIFS 2.2.4.21.1, WordCount 5 and a data block, as WRITE). The
// server writes the data and then unlocks CountOfBytesToWrite bytes at
// WriteOffsetInBytes. Unlike WRITE's, a count of 0 writes nothing and
// truncates nothing (Samba's reply_writeunlock). Its response is
// EncodeWriteResponse with ComWriteAndUnlock (MS-CIFS 2.2.4.21.2).
func ParseWriteAndUnlockRequest(b Block) (WriteRequest, error) { return ParseWriteRequest(b) }
