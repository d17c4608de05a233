package dcerpc

import (
	"bytes"
	"encoding/binary"
)

// Limits of a Pipe.
const (
	// maxFrag is the fragment size a Pipe offers in bind_ack, what Windows
	// and Samba offer.
	maxFrag = 4280
	// minFrag is MUST_RECV_FRAG_SIZE (MS-RPCE 3.3.1.5.2.1): every peer
	// takes fragments this large, so a smaller proposal is raised to it
	// rather than making responses crawl out in tiny pieces.
	minFrag = 1432
	// maxStub bounds a request reassembled from fragments: the memory one
	// client can make a pipe hold. The calls served here take a few hundred
	// bytes.
	maxStub = 64 << 10
	// maxOut bounds the replies waiting to be read: a client that writes
	// and never reads gets ErrFull instead of growing the buffer.
	maxOut = 256 << 10
	// maxContexts bounds the presentation contexts a pipe keeps.
	maxContexts = 8
)

// Service is an RPC interface a Pipe serves: its syntax and its calls. call
// decodes the request stub in, appends the response stub to out and returns
// 0, or returns a fault status and leaves out alone.
type Service struct {
	syntax SyntaxID
	call   func(opnum uint16, in []byte, out *encoder) uint32
}

// Pipe is the server end of one named pipe open: it takes the bytes a client
// writes, answers each complete PDU — bind, alter context, request — and
// queues the reply PDUs for the client to read. It is not safe for
// concurrent use; the server serialises a connection's requests.
type Pipe struct {
	name    string
	svc     Service
	assoc   uint32
	maxXmit int
	maxRecv int
	bound   bool
	nctx    int
	ctx     [maxContexts]uint16

	in     []byte // the start of a PDU not yet complete
	stub   []byte // request fragments of the call being reassembled
	call   uint32 // that call's ID
	inCall bool
	out    []byte // reply PDUs not yet read
	rd     int    // read position in out
	msgEnd int    // end of the reply PDU being read
	enc    encoder
	broken bool
}

// NewPipe returns a pipe named name (as in \PIPE\name) serving s. assoc is
// the association group ID bind_ack reports when the client asks for a new
// group.
func NewPipe(name string, assoc uint32, s Service) *Pipe {
	return &Pipe{name: name, svc: s, assoc: assoc, maxXmit: maxFrag, maxRecv: maxFrag}
}

// Write takes bytes the client wrote to the pipe and answers every PDU they
// complete. It fails when a header is not DCE/RPC's, which leaves the byte
// stream without framing: the pipe is then broken and every later Write
// fails too (Windows disconnects the pipe). It also fails, consuming
// nothing, while too many replies wait to be read.
func (p *Pipe) Write(b []byte) error {
	if p.broken {
		return ErrBroken
	}
	if p.Buffered() > maxOut {
		return ErrFull
	}
	p.in = append(p.in, b...)
	for len(p.in) >= HeaderLen {
		h, err := ParseHeader(p.in)
		if err != nil {
			p.broken, p.in, p.stub, p.out = true, nil, nil, nil
			p.rd, p.msgEnd = 0, 0
			return ErrBroken
		}
		n := h.FragLength()
		if len(p.in) < n {
			break
		}
		p.handle(p.in[:n])
		p.in = p.in[:copy(p.in, p.in[n:])]
	}
	return nil
}

// Read copies the next bytes of the reply PDU being read into b. Like a
// message-mode named pipe it returns at most one PDU per read; more reports
// that this PDU has bytes left, which the server reports as
// STATUS_BUFFER_OVERFLOW (MS-FSCC 2.3.48: the message did not fit the
// buffer).
func (p *Pipe) Read(b []byte) (n int, more bool) {
	if p.rd == p.msgEnd && p.rd < len(p.out) {
		p.msgEnd = p.rd + int(binary.LittleEndian.Uint16(p.out[p.rd+8:]))
	}
	n = copy(b, p.out[p.rd:p.msgEnd])
	p.rd += n
	more = p.rd < p.msgEnd
	if p.rd == len(p.out) {
		p.out, p.rd, p.msgEnd = p.out[:0], 0, 0
	}
	return n, more
}

// MessageLeft returns the most the next Read can return: what is left of
// the reply PDU being read, or the whole next one.
func (p *Pipe) MessageLeft() int {
	switch {
	case p.rd < p.msgEnd:
		return p.msgEnd - p.rd
	case p.rd < len(p.out):
		return int(binary.LittleEndian.Uint16(p.out[p.rd+8:]))
	}
	return 0
}

// Buffered returns the number of reply bytes waiting to be read.
func (p *Pipe) Buffered() int { return len(p.out) - p.rd }

func (p *Pipe) handle(pdu []byte) {
	h := Header(pdu)
	switch h.Type() {
	case TypeBind, TypeAlterContext:
		p.bind(pdu)
	case TypeRequest:
		p.request(pdu)
	case TypeOrphaned:
		// MS-RPCE 3.3.1.5.5: the client abandoned a call it was
		// still sending.
		if p.inCall && p.call == h.CallID() {
			p.inCall = false
		}
	}
	// Other PDU types carry nothing a server without RPC
	// authentication acts on (auth3, co_cancel, shutdown) or are
	// server-to-client types; they are ignored.
}

// bind answers bind and alter_context (C706 12.6.4.3, 12.6.4.1) with
// bind_ack or alter_context_resp, one result per presentation context, or
// bind_nak.
func (p *Pipe) bind(pdu []byte) {
	if reason, ok := p.bindAck(pdu); !ok {
		p.bindNak(Header(pdu).CallID(), reason)
	}
}

func (p *Pipe) bindAck(pdu []byte) (nakReason uint8, ok bool) {
	h := Header(pdu)
	alter := h.Type() == TypeAlterContext
	switch {
	case h.AuthLength() != 0:
		return nakAuthType, false
	case alter != p.bound || len(pdu) < 28:
		// A second bind on a bound pipe, an alter_context before
		// any bind: Samba and Windows answer bind_nak.
		return nakNotSpecified, false
	}
	if !alter {
		// MS-RPCE 3.3.1.5.2.1: each side sends fragments no larger
		// than the other receives.
		p.maxXmit = clampFrag(binary.LittleEndian.Uint16(pdu[18:]))
		p.maxRecv = clampFrag(binary.LittleEndian.Uint16(pdu[16:]))
		if a := binary.LittleEndian.Uint32(pdu[20:]); a != 0 {
			p.assoc = a
		}
		p.nctx = 0
	}
	// The reply, laid out in place: header, max_xmit_frag,
	// max_recv_frag, assoc_group_id, the secondary address (port_any_t:
	// length and name with its terminator; empty in alter_context_resp,
	// as Samba and Windows send) padded to 4 bytes, the result count and
	// 24 bytes per result (p_result_t: result, reason, transfer syntax).
	typ, addr := TypeBindAck, `\pipe\`+p.name+"\x00"
	if alter {
		typ, addr = TypeAlterContextResp, ""
	}
	n := int(pdu[24])
	results := (HeaderLen + 10 + len(addr) + 3) &^ 3
	start := len(p.out)
	p.out = append(p.out, make([]byte, results+4+24*n)...)
	b := p.out[start:]
	b[0], b[2], b[3], b[4] = 5, typ, FlagFirstFrag|FlagLastFrag, 0x10
	binary.LittleEndian.PutUint32(b[12:], h.CallID())
	binary.LittleEndian.PutUint16(b[16:], uint16(p.maxXmit))
	binary.LittleEndian.PutUint16(b[18:], uint16(p.maxRecv))
	binary.LittleEndian.PutUint32(b[20:], p.assoc)
	b[24] = byte(len(addr))
	copy(b[26:], addr)
	b[results] = byte(n)
	accepted := false
	off := 28
	for i := range n {
		// p_cont_elem_t: context ID, transfer syntax count, reserved,
		// abstract syntax, transfer syntaxes.
		end := off + 24
		if end <= len(pdu) {
			end += 20 * int(pdu[off+2])
		}
		if end > len(pdu) {
			p.out = p.out[:start]
			return nakNotSpecified, false
		}
		r := b[results+4+24*i:]
		var ts SyntaxID
		r[0], r[2], ts = p.negotiate(binary.LittleEndian.Uint16(pdu[off:]), pdu[off+4:off+24], pdu[off+24:end])
		copy(r[4:24], ts[:])
		accepted = accepted || r[0] == resultAcceptance
		off = end
	}
	finish(p.out, start)
	p.bound = p.bound || accepted
	return 0, true
}

// negotiate decides one presentation context: NDR for our interface is
// accepted; NDR64 alone gets a provider rejection for its transfer syntax,
// another interface one for its abstract syntax, as Windows and Samba
// answer; a bind time feature negotiation context gets negotiate_ack with
// the features supported.
func (p *Pipe) negotiate(id uint16, abstract, transfers []byte) (result, reason uint8, ts SyntaxID) {
	for i := 0; i < len(transfers); i += 20 {
		if bytes.Equal(transfers[i:i+8], btfnPrefix[:]) {
			return resultNegotiateAck, transfers[i+8] & featureKeepOnOrphan, ts
		}
	}
	// C706 12.6.4.3: the major versions must match, and the client's
	// minor version may not be newer than ours.
	s := p.svc.syntax
	if !bytes.Equal(abstract[:18], s[:18]) || binary.LittleEndian.Uint16(abstract[18:]) > binary.LittleEndian.Uint16(s[18:]) {
		return resultProviderRejection, reasonAbstractNotSupported, ts
	}
	for i := 0; i < len(transfers); i += 20 {
		if !bytes.Equal(transfers[i:i+20], ndrSyntax[:]) {
			continue
		}
		if !p.hasContext(id) {
			if p.nctx == maxContexts {
				return resultProviderRejection, reasonLocalLimitExceeded, ts
			}
			p.ctx[p.nctx] = id
			p.nctx++
		}
		return resultAcceptance, 0, ndrSyntax
	}
	return resultProviderRejection, reasonTransferNotSupported, ts
}

func (p *Pipe) hasContext(id uint16) bool {
	for _, c := range p.ctx[:p.nctx] {
		if c == id {
			return true
		}
	}
	return false
}

func clampFrag(v uint16) int { return min(max(int(v), minFrag), maxFrag) }

func (p *Pipe) bindNak(callID uint32, reason uint8) {
	// p_reject_reason_t, then p_rt_versions_supported: one version, 5.0;
	// padded to 8 bytes.
	p.pdu(TypeBindNak, FlagFirstFrag|FlagLastFrag, callID, []byte{reason, 0, 1, 5, 0, 0, 0, 0}, nil)
}

// pdu queues a PDU whose body is body and then stub. It is kept out of
// line: a firmware binary's size matters more here than a call.
//
//go:noinline
func (p *Pipe) pdu(typ, flags uint8, callID uint32, body, stub []byte) {
	start := len(p.out)
	p.out = append(append(appendHeader(p.out, typ, flags, callID), body...), stub...)
	finish(p.out, start)
}

// request reassembles a call's request fragments (C706 12.6.4.9) and answers
// the call with response fragments or a fault.
func (p *Pipe) request(pdu []byte) {
	h := Header(pdu)
	if len(pdu) < 24 || h.AuthLength() != 0 {
		p.inCall = false
		p.fault(h.CallID(), 0, FaultProtoError)
		return
	}
	ctxID := binary.LittleEndian.Uint16(pdu[20:])
	opnum := binary.LittleEndian.Uint16(pdu[22:])
	stub := pdu[24:]
	if h.Flags()&FlagObjectUUID != 0 {
		if len(stub) < 16 {
			p.inCall = false
			p.fault(h.CallID(), 0, FaultProtoError)
			return
		}
		stub = stub[16:]
	}
	first, last := h.Flags()&FlagFirstFrag != 0, h.Flags()&FlagLastFrag != 0
	if !first || !last {
		switch {
		case first:
			p.stub, p.call, p.inCall = p.stub[:0], h.CallID(), true
		case !p.inCall || p.call != h.CallID():
			// C706 12.6.4.9: a middle or last fragment of a
			// call that was never begun.
			p.fault(h.CallID(), 0, FaultProtoError)
			return
		}
		if len(p.stub)+len(stub) > maxStub {
			p.inCall = false
			p.fault(h.CallID(), 0, FaultProtoError)
			return
		}
		p.stub = append(p.stub, stub...)
		if !last {
			return
		}
		p.inCall = false
		stub = p.stub
	}
	if !p.bound {
		p.fault(h.CallID(), 0, FaultProtoError)
		return
	}
	if !p.hasContext(ctxID) {
		p.fault(h.CallID(), 0, FaultUnknownIf)
		return
	}
	p.enc.reset()
	if st := p.svc.call(opnum, stub, &p.enc); st != 0 {
		p.fault(h.CallID(), ctxID, st)
		return
	}
	p.respond(h.CallID(), ctxID, p.enc.b)
}

// respond queues stub as response fragments no larger than the client
// receives. alloc_hint is the stub left from each fragment on, as Windows
// and Samba send; every fragment but the last carries a multiple of 8
// bytes, so NDR alignment is the same in the reassembled stub.
func (p *Pipe) respond(callID uint32, ctxID uint16, stub []byte) {
	room := (p.maxXmit - 24) &^ 7
	flags := FlagFirstFrag
	for {
		n := min(len(stub), room)
		if n == len(stub) {
			flags |= FlagLastFrag
		}
		// alloc_hint, context ID, cancel count, reserved.
		var b [8]byte
		binary.LittleEndian.PutUint32(b[:], uint32(len(stub)))
		binary.LittleEndian.PutUint16(b[4:], ctxID)
		p.pdu(TypeResponse, flags, callID, b[:], stub[:n])
		if flags&FlagLastFrag != 0 {
			return
		}
		stub, flags = stub[n:], 0
	}
}

// fault queues a fault PDU (C706 12.6.4.7). Every fault here precedes the
// call's execution, hence did_not_execute; alloc_hint is 24, as Samba sends.
func (p *Pipe) fault(callID uint32, ctxID uint16, status uint32) {
	// alloc_hint, context ID, cancel count, reserved, status, reserved.
	b := [16]byte{0: 24}
	binary.LittleEndian.PutUint16(b[4:], ctxID)
	binary.LittleEndian.PutUint32(b[8:], status)
	p.pdu(TypeFault, FlagFirstFrag|FlagLastFrag|FlagDidNotExecute, callID, b[:], nil)
}
