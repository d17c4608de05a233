package smb

// Transactions (MS-CIFS 2.2.4.33 TRANSACTION, 2.2.4.46 TRANSACTION2,
// 2.2.4.62 NT_TRANSACT) carry a parameter block and a data block that may be
// larger than one message: the primary request announces the totals and
// carries the first fragment, secondary requests (TRANSACTION_SECONDARY,
// TRANSACTION2_SECONDARY, NT_TRANSACT_SECONDARY) carry the rest at explicit
// displacements. Nearly every real transaction fits in its primary request,
// so a TransRequest exposes Params and Data aliasing the message and the
// server copies nothing; only a split transaction goes through a Reassembly,
// which copies into buffers it keeps across transactions.

// Transaction Flags (MS-CIFS 2.2.4.33.1): TransDisconnectTID asks the server
// to disconnect the tree after the transaction; TransNoResponse asks for no
// final response (a one-way transaction).
const (
	TransDisconnectTID uint16 = 0x0001
	TransNoResponse    uint16 = 0x0002
)

// NT_TRANSACT functions (MS-CIFS 2.2.7).
const (
	NTTransactCreate            uint16 = 0x0001
	NTTransactIOCTL             uint16 = 0x0002
	NTTransactSetSecurityDesc   uint16 = 0x0003
	NTTransactNotifyChange      uint16 = 0x0004
	NTTransactRename            uint16 = 0x0005
	NTTransactQuerySecurityDesc uint16 = 0x0006
	NTTransactQueryQuota        uint16 = 0x0007
	NTTransactSetQuota          uint16 = 0x0008
)

var (
	errTransCommand   = parseError("smb: not a transaction command")
	errTransWords     = parseError("smb: transaction parameter words too short")
	errTransSetup     = parseError("smb: transaction setup words missing")
	errTransCount     = parseError("smb: transaction fragment larger than its total")
	errTransOffset    = parseError("smb: transaction parameters or data outside the data block")
	errTransNoPrimary = parseError("smb: transaction secondary without a pending primary")
	errTransMismatch  = parseError("smb: transaction secondary of another command")
	errTransGrow      = parseError("smb: transaction totals grew")
	errTransShrink    = parseError("smb: transaction totals shrank below received bytes")
	errTransDisp      = parseError("smb: transaction fragment outside the totals")
	errTransOverlap   = parseError("smb: transaction fragments overlap")
	errTransFragments = parseError("smb: transaction split into too many pieces")
	errTransTooLarge  = parseError("smb: transaction totals exceed the server limit")
)

// TransRequest is a validated primary transaction request: TRANSACTION,
// TRANSACTION2 or NT_TRANSACT, with the 16-bit and 32-bit layouts brought to
// one form. Setup, Name, Params and Data alias the request message and die
// with it, unless the TransRequest came from Reassembly.Request, in which
// case they alias the Reassembly's buffers.
type TransRequest struct {
	// Command is ComTransaction, ComTransaction2 or ComNTTransact.
	Command uint8
	// Unicode is the header's FLAGS2_UNICODE, which decides how strings
	// inside the parameters are encoded.
	Unicode bool

	TotalParameterCount uint32
	TotalDataCount      uint32
	MaxParameterCount   uint32
	MaxDataCount        uint32
	MaxSetupCount       uint8
	// Flags and Timeout exist in TRANSACTION and TRANSACTION2 only.
	Flags   uint16
	Timeout uint32
	// Function exists in NT_TRANSACT only.
	Function uint16
	// Setup holds SetupCount little-endian words; see SetupWord.
	Setup []byte
	// Name is the TRANSACTION name ("\PIPE\", "\MAILSLOT\...") as raw
	// string bytes without terminator: UTF-16LE when Unicode, OEM
	// otherwise. It is empty for the other commands.
	Name []byte
	// Params and Data are this message's fragment, which is the whole
	// block when Complete reports true.
	Params []byte
	Data   []byte
}

// SetupCount is the number of setup words.
func (t TransRequest) SetupCount() int { return len(t.Setup) / 2 }

// SetupWord returns setup word i, or 0 if there is none. For TRANSACTION2
// word 0 is the subcommand (MS-CIFS 2.2.4.46.1), which ParseTransRequest
// guarantees is present.
func (t TransRequest) SetupWord(i int) uint16 {
	if i < 0 || 2*i+2 > len(t.Setup) {
		return 0
	}
	return rd16(t.Setup, 2*i)
}

// Subcommand is the TRANSACTION2 subcommand, Setup[0].
func (t TransRequest) Subcommand() uint16 { return t.SetupWord(0) }

// Complete reports whether the parameters and data are all here, so the
// request can be served without a Reassembly.
func (t TransRequest) Complete() bool {
	return uint32(len(t.Params)) == t.TotalParameterCount && uint32(len(t.Data)) == t.TotalDataCount
}

// ParseTransRequest validates the primary transaction request in block b: the
// word count against SetupCount, each fragment count against its total, and
// every offset and count against the data block.
func ParseTransRequest(b Block) (TransRequest, error) {
	var t TransRequest
	var pcnt, poff, dcnt, doff uint32
	w := b.Words
	switch b.Command {
	case ComTransaction, ComTransaction2:
		// MS-CIFS 2.2.4.33.1, 2.2.4.46.1: 14 fixed words, then
		// SetupCount words. WordCount "MUST be 0x0E + SetupCount";
		// more words are ignored rather than refused.
		if len(w) < 28 {
			return t, errTransWords
		}
		t.TotalParameterCount = uint32(rd16(w, 0))
		t.TotalDataCount = uint32(rd16(w, 2))
		t.MaxParameterCount = uint32(rd16(w, 4))
		t.MaxDataCount = uint32(rd16(w, 6))
		t.MaxSetupCount = w[8]
		t.Flags = rd16(w, 10)
		t.Timeout = rd32(w, 12)
		pcnt = uint32(rd16(w, 18))
		poff = uint32(rd16(w, 20))
		dcnt = uint32(rd16(w, 22))
		doff = uint32(rd16(w, 24))
		n := int(w[26])
		if len(w) < 28+2*n {
			return t, errTransWords
		}
		t.Setup = w[28 : 28+2*n]
		// MS-CIFS 2.2.4.46.1: every TRANSACTION2 carries its
		// subcommand in Setup[0].
		if b.Command == ComTransaction2 && n < 1 {
			return t, errTransSetup
		}
	case ComNTTransact:
		// MS-CIFS 2.2.4.62.1: 19 fixed words, then SetupCount words.
		if len(w) < 38 {
			return t, errTransWords
		}
		t.MaxSetupCount = w[0]
		t.TotalParameterCount = rd32(w, 3)
		t.TotalDataCount = rd32(w, 7)
		t.MaxParameterCount = rd32(w, 11)
		t.MaxDataCount = rd32(w, 15)
		pcnt = rd32(w, 19)
		poff = rd32(w, 23)
		dcnt = rd32(w, 27)
		doff = rd32(w, 31)
		n := int(w[35])
		t.Function = rd16(w, 36)
		if len(w) < 38+2*n {
			return t, errTransWords
		}
		t.Setup = w[38 : 38+2*n]
	default:
		return t, errTransCommand
	}
	t.Command = b.Command
	t.Unicode = len(b.Msg) >= HeaderLen && Header(b.Msg).Unicode()
	// MS-CIFS 2.2.4.33.1: ParameterCount and DataCount are the bytes in
	// this message, at most the totals.
	if pcnt > t.TotalParameterCount || dcnt > t.TotalDataCount {
		return t, errTransCount
	}
	var err error
	if t.Params, err = transSlice(b, poff, pcnt); err != nil {
		return t, err
	}
	if t.Data, err = transSlice(b, doff, dcnt); err != nil {
		return t, err
	}
	if b.Command == ComTransaction {
		// MS-CIFS 2.2.4.33.1: Name is the first field of the data
		// block, an SMB_STRING; the parameters and data follow it.
		start, end := b.DataOffset(), dataEnd(b)
		if pcnt > 0 && int(poff) < end {
			end = int(poff)
		}
		if dcnt > 0 && int(doff) < end {
			end = int(doff)
		}
		if t.Name, _, err = ReadString(b.Msg, start, end, t.Unicode); err != nil {
			return t, err
		}
	}
	return t, nil
}

// TransSecondary is a validated secondary transaction request:
// TRANSACTION_SECONDARY, TRANSACTION2_SECONDARY or NT_TRANSACT_SECONDARY.
// Params and Data alias the message.
type TransSecondary struct {
	// Command is ComTransactionSecondary, ComTransaction2Secondary or
	// ComNTTransactSecondary.
	Command               uint8
	TotalParameterCount   uint32
	TotalDataCount        uint32
	ParameterDisplacement uint32
	DataDisplacement      uint32
	// FID exists in TRANSACTION2_SECONDARY only; the server ignores it
	// (MS-CIFS 2.2.4.47.1).
	FID    uint16
	Params []byte
	Data   []byte
}

// ParseTransSecondary validates the secondary transaction request in block b.
func ParseTransSecondary(b Block) (TransSecondary, error) {
	var s TransSecondary
	var pcnt, poff, dcnt, doff uint32
	w := b.Words
	switch b.Command {
	case ComTransactionSecondary, ComTransaction2Secondary:
		// MS-CIFS 2.2.4.34.1: 8 words; 2.2.4.47.1 adds FID as a
		// ninth. A TRANSACTION2_SECONDARY without the FID is accepted,
		// as Samba does, because the server never uses it.
		if len(w) < 16 {
			return s, errTransWords
		}
		s.TotalParameterCount = uint32(rd16(w, 0))
		s.TotalDataCount = uint32(rd16(w, 2))
		pcnt = uint32(rd16(w, 4))
		poff = uint32(rd16(w, 6))
		s.ParameterDisplacement = uint32(rd16(w, 8))
		dcnt = uint32(rd16(w, 10))
		doff = uint32(rd16(w, 12))
		s.DataDisplacement = uint32(rd16(w, 14))
		if b.Command == ComTransaction2Secondary && len(w) >= 18 {
			s.FID = rd16(w, 16)
		}
	case ComNTTransactSecondary:
		// MS-CIFS 2.2.4.63.1: 18 words.
		if len(w) < 36 {
			return s, errTransWords
		}
		s.TotalParameterCount = rd32(w, 3)
		s.TotalDataCount = rd32(w, 7)
		pcnt = rd32(w, 11)
		poff = rd32(w, 15)
		s.ParameterDisplacement = rd32(w, 19)
		dcnt = rd32(w, 23)
		doff = rd32(w, 27)
		s.DataDisplacement = rd32(w, 31)
	default:
		return s, errTransCommand
	}
	s.Command = b.Command
	var err error
	if s.Params, err = transSlice(b, poff, pcnt); err != nil {
		return s, err
	}
	if s.Data, err = transSlice(b, doff, dcnt); err != nil {
		return s, err
	}
	return s, nil
}

// TransPrimary returns the primary command a secondary command continues
// (ComTransactionSecondary → ComTransaction, ...), or 0 if cmd is not a
// secondary.
func TransPrimary(cmd uint8) uint8 {
	switch cmd {
	case ComTransactionSecondary:
		return ComTransaction
	case ComTransaction2Secondary:
		return ComTransaction2
	case ComNTTransactSecondary:
		return ComNTTransact
	}
	return 0
}

// transSlice returns the count bytes at off, which must lie inside b's data
// block. MS-CIFS 2.2.4.33.1: ParameterOffset and DataOffset count from the
// start of the SMB header and point into SMB_Data.Bytes; an offset into the
// header or the parameter words is refused, not followed. A zero count
// ignores its offset, which clients often leave at 0.
func transSlice(b Block, off, count uint32) ([]byte, error) {
	if count == 0 {
		return nil, nil
	}
	if uint64(off) < uint64(b.DataOffset()) || uint64(off)+uint64(count) > uint64(dataEnd(b)) {
		return nil, errTransOffset
	}
	lo, hi := int(off), int(off)+int(count)
	return b.Msg[lo:hi:hi], nil
}

// maxTransPieces bounds the disjoint pieces a Reassembly tracks per block.
// Clients send fragments in order, which keeps one piece; the bound only
// stops a peer that scatters tiny fragments from making each insert cost
// more than a constant (and the tracking state from growing).
const maxTransPieces = 16

// transSpan is a received byte range [lo, hi) of one block.
type transSpan struct{ lo, hi uint32 }

// transSpans is the sorted, disjoint, non-adjacent set of received ranges.
type transSpans struct {
	n int
	s [maxTransPieces]transSpan
	// got is the number of bytes covered.
	got uint32
}

func (ss *transSpans) reset() { ss.n, ss.got = 0, 0 }

// maxEnd is the end of the last received range, 0 if none.
func (ss *transSpans) maxEnd() uint32 {
	if ss.n == 0 {
		return 0
	}
	return ss.s[ss.n-1].hi
}

// add records [lo, hi), refusing any overlap with a range already received:
// a duplicate fragment could otherwise count twice and declare a block
// complete while a gap still holds stale bytes from an earlier transaction.
func (ss *transSpans) add(lo, hi uint32) error {
	if lo == hi {
		return nil
	}
	i := 0
	for i < ss.n && ss.s[i].hi <= lo {
		i++
	}
	// ss.s[i] is the first range ending after lo; it must start at or
	// after hi.
	if i < ss.n && ss.s[i].lo < hi {
		return errTransOverlap
	}
	ss.got += hi - lo
	joinPrev := i > 0 && ss.s[i-1].hi == lo
	joinNext := i < ss.n && ss.s[i].lo == hi
	switch {
	case joinPrev && joinNext:
		ss.s[i-1].hi = ss.s[i].hi
		copy(ss.s[i:ss.n], ss.s[i+1:ss.n])
		ss.n--
	case joinPrev:
		ss.s[i-1].hi = hi
	case joinNext:
		ss.s[i].lo = lo
	default:
		if ss.n == maxTransPieces {
			ss.got -= hi - lo
			return errTransFragments
		}
		copy(ss.s[i+1:ss.n+1], ss.s[i:ss.n])
		ss.s[i] = transSpan{lo, hi}
		ss.n++
	}
	return nil
}

// Reassembly collects one split transaction: the server keeps one per
// pending transaction, keyed on UID, TID, PID and MID (MS-CIFS 3.3.5.2.x),
// and reuses it. Its buffers survive Reset, so once they have grown to the
// connection's largest transaction, reassembly allocates nothing.
//
// The rules, from MS-CIFS 2.2.4.34.1 and 3.3.5.2.x: a secondary's totals may
// shrink but never grow; every fragment lies inside the current totals;
// fragments may come in any order but may not overlap, so that "received ==
// total" means every byte arrived exactly once; the transaction is complete
// when both blocks are. Any violation drops the pending transaction.
//
// The server answers an incomplete primary with an interim response — the
// primary's command with an empty block and success (MS-CIFS 2.2.4.33.2,
// Response.Empty), and answers the secondaries nothing until the last.
type Reassembly struct {
	req            TransRequest
	setup, name    []byte
	params, data   []byte
	pspans, dspans transSpans
	active         bool
}

// Start begins reassembling the primary request req, copying its setup
// words, name and first fragment, and reports whether it is already
// complete. limit caps TotalParameterCount + TotalDataCount, the memory a
// client may make the server hold for one transaction.
func (r *Reassembly) Start(req TransRequest, limit int) (done bool, err error) {
	r.Reset()
	switch req.Command {
	case ComTransaction, ComTransaction2, ComNTTransact:
	default:
		return false, errTransCommand
	}
	if uint64(req.TotalParameterCount)+uint64(req.TotalDataCount) > uint64(max(limit, 0)) {
		return false, errTransTooLarge
	}
	if uint32(len(req.Params)) > req.TotalParameterCount || uint32(len(req.Data)) > req.TotalDataCount {
		return false, errTransCount
	}
	r.setup = append(r.setup[:0], req.Setup...)
	r.name = append(r.name[:0], req.Name...)
	r.params = transGrow(r.params, int(req.TotalParameterCount))
	r.data = transGrow(r.data, int(req.TotalDataCount))
	copy(r.params, req.Params)
	copy(r.data, req.Data)
	_ = r.pspans.add(0, uint32(len(req.Params)))
	_ = r.dspans.add(0, uint32(len(req.Data)))
	r.req = req
	// The message dies after this call; keep no reference into it.
	r.req.Setup, r.req.Name, r.req.Params, r.req.Data = nil, nil, nil, nil
	r.active = true
	return r.Complete(), nil
}

// Add merges secondary request s and reports whether the transaction is now
// complete. On error the pending transaction is dropped (as by Reset) and the
// server answers the error without a Request.
func (r *Reassembly) Add(s TransSecondary) (done bool, err error) {
	if err := r.add(s); err != nil {
		r.Reset()
		return false, err
	}
	return r.Complete(), nil
}

func (r *Reassembly) add(s TransSecondary) error {
	if !r.active {
		return errTransNoPrimary
	}
	if TransPrimary(s.Command) != r.req.Command {
		return errTransMismatch
	}
	// MS-CIFS 2.2.4.34.1: the totals "MAY be reduced" by a secondary;
	// they never grow, or a client could make a small primary reserve
	// memory and then extend it past the server's limit.
	tp, td := s.TotalParameterCount, s.TotalDataCount
	if tp > r.req.TotalParameterCount || td > r.req.TotalDataCount {
		return errTransGrow
	}
	// Shrinking below bytes already received would leave them dangling
	// outside the block; refuse rather than pick a winner.
	if r.pspans.maxEnd() > tp || r.dspans.maxEnd() > td {
		return errTransShrink
	}
	pEnd := uint64(s.ParameterDisplacement) + uint64(len(s.Params))
	dEnd := uint64(s.DataDisplacement) + uint64(len(s.Data))
	if pEnd > uint64(tp) || dEnd > uint64(td) {
		return errTransDisp
	}
	if err := r.pspans.add(s.ParameterDisplacement, uint32(pEnd)); err != nil {
		return err
	}
	if err := r.dspans.add(s.DataDisplacement, uint32(dEnd)); err != nil {
		return err
	}
	r.req.TotalParameterCount, r.req.TotalDataCount = tp, td
	r.params, r.data = r.params[:tp], r.data[:td]
	copy(r.params[s.ParameterDisplacement:], s.Params)
	copy(r.data[s.DataDisplacement:], s.Data)
	return nil
}

// Complete reports whether every parameter and data byte has arrived.
func (r *Reassembly) Complete() bool {
	return r.active && r.pspans.got == r.req.TotalParameterCount && r.dspans.got == r.req.TotalDataCount
}

// Pending reports whether a transaction is being reassembled.
func (r *Reassembly) Pending() bool { return r.active }

// Request returns the reassembled request, shaped like a single-message one
// so the same handler serves both. Its slices alias the Reassembly's buffers
// and are valid until the next Start, Add or Reset. Call it once Complete
// reports true; before that Params and Data hold gaps.
func (r *Reassembly) Request() TransRequest {
	t := r.req
	t.Setup, t.Name, t.Params, t.Data = r.setup, r.name, r.params, r.data
	return t
}

// Reset drops the pending transaction and keeps the buffers.
func (r *Reassembly) Reset() {
	r.req = TransRequest{}
	r.setup, r.name = r.setup[:0], r.name[:0]
	r.params, r.data = r.params[:0], r.data[:0]
	r.pspans.reset()
	r.dspans.reset()
	r.active = false
}

// transGrow returns b resized to n bytes, reallocating only when n exceeds its
// capacity. The contents are not cleared: overlap refusal guarantees every
// byte is written before Complete reports true.
func transGrow(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	return make([]byte, n)
}

// TransResponseRoom returns how many parameter plus data bytes fit in one
// response message of cmd (ComTransaction, ComTransaction2 or ComNTTransact)
// with setupCount setup words, when the message may be at most maxMsg bytes
// from the SMB header on — the client's MaxBufferSize (MS-CIFS 2.2.4.52.1).
// Worst-case padding is reserved, so AppendTransResponse never overruns it.
// The result is 0 when nothing fits.
func TransResponseRoom(cmd uint8, setupCount, maxMsg int) int {
	words := 10
	if cmd == ComNTTransact {
		words = 18
	}
	dataStart := HeaderLen + 1 + 2*(words+setupCount) + 2
	room := maxMsg - dataStart - transPad4(dataStart) - 3
	return max(room, 0)
}

func transPad4(n int) int { return (4 - n%4) % 4 }

// AppendTransResponse appends one transaction response message body to r,
// which has begun the message: the response words of cmd (the primary
// command, ComTransaction, ComTransaction2 or ComNTTransact) and a data block
// holding params and data, a fragment of the whole response at paramDisp and
// dataDisp, whose sizes are totalParams and totalData (MS-CIFS 2.2.4.33.2,
// 2.2.4.46.2, 2.2.4.62.2). When the transaction is the message's first
// command it also sets the header's command to cmd, since the final response
// to a transaction completed by a secondary carries the primary's command;
// as the follower of an AndX command (TRANSACTION after TREE_CONNECT_ANDX)
// the header keeps the chain's first command.
//
// Like Windows, it aligns ParameterOffset and DataOffset to 4 bytes from the
// header start with zero pad bytes. A response larger than the client's
// MaxBufferSize is sent as several messages: call AppendTransResponse once
// per message, each with the next slices, as in
//
//	room := TransResponseRoom(cmd, 0, maxBufferSize)
//	for pd, dd := 0, 0; ; {
//		pc := min(len(params)-pd, room)
//		dc := min(len(data)-dd, room-pc)
//		r.Begin(buf, reqHeader, flags2)
//		AppendTransResponse(&r, cmd, nil, params[pd:pd+pc], data[dd:dd+dc], pd, dd, len(params), len(data))
//		send(r.Bytes())
//		pd, dd = pd+pc, dd+dc
//		if pd == len(params) && dd == len(data) { break }
//	}
//
// For TRANSACTION and TRANSACTION2 the counts and offsets are 16-bit: the
// caller keeps totals within the client's MaxParameterCount and
// MaxDataCount, which are 16-bit there.
func AppendTransResponse(r *Response, cmd uint8, setup []uint16, params, data []byte, paramDisp, dataDisp, totalParams, totalData int) {
	if r.Pos() == HeaderLen {
		r.Header().SetCommand(cmd)
	}
	r.BeginWords(cmd)
	words := r.Pos()
	nt := cmd == ComNTTransact
	var wc int
	if nt {
		wc = 18 + len(setup)
	} else {
		wc = 10 + len(setup)
	}
	// The data block starts after the words and the ByteCount.
	paramOff := words + 2*wc + 2
	paramOff += transPad4(paramOff)
	dataOff := paramOff + len(params)
	if len(data) > 0 {
		dataOff += transPad4(dataOff)
	}
	if nt {
		r.Zeros(3)
		r.U32(uint32(totalParams))
		r.U32(uint32(totalData))
		r.U32(uint32(len(params)))
		r.U32(uint32(paramOff))
		r.U32(uint32(paramDisp))
		r.U32(uint32(len(data)))
		r.U32(uint32(dataOff))
		r.U32(uint32(dataDisp))
		r.U8(uint8(len(setup)))
	} else {
		r.U16(uint16(totalParams))
		r.U16(uint16(totalData))
		r.U16(0)
		r.U16(uint16(len(params)))
		r.U16(uint16(paramOff))
		r.U16(uint16(paramDisp))
		r.U16(uint16(len(data)))
		r.U16(uint16(dataOff))
		r.U16(uint16(dataDisp))
		r.U8(uint8(len(setup)))
		r.U8(0)
	}
	for _, s := range setup {
		r.U16(s)
	}
	r.BeginData()
	r.Align(4)
	r.Append(params)
	if len(data) > 0 {
		r.Align(4)
		r.Append(data)
	}
	r.End()
}
