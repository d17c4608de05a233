package smb

// NT_CREATE_ANDX request Flags (MS-CIFS 2.2.4.64.1, MS-SMB 2.2.4.9.1).
const (
	NTCreateRequestOplock           uint32 = 0x00000002
	NTCreateRequestOpbatch          uint32 = 0x00000004
	NTCreateOpenTargetDir           uint32 = 0x00000008
	NTCreateRequestExtendedResponse uint32 = 0x00000010
)

// ShareAccess bits (MS-CIFS 2.2.4.64.1).
const (
	FileShareNone   uint32 = 0x00000000
	FileShareRead   uint32 = 0x00000001
	FileShareWrite  uint32 = 0x00000002
	FileShareDelete uint32 = 0x00000004
)

// CreateDisposition values of the request (MS-CIFS 2.2.4.64.1).
const (
	FileSupersede   uint32 = 0
	FileOpen        uint32 = 1
	FileCreate      uint32 = 2
	FileOpenIf      uint32 = 3
	FileOverwrite   uint32 = 4
	FileOverwriteIf uint32 = 5
)

// CreateAction values of the response, sent in its CreateDisposition field
// (MS-CIFS 2.2.4.64.2).
const (
	FileSuperseded  uint32 = 0
	FileOpened      uint32 = 1
	FileCreated     uint32 = 2
	FileOverwritten uint32 = 3
)

// CreateOptions bits (MS-CIFS 2.2.4.64.1) a server acts on or must refuse.
const (
	FileDirectoryFile           uint32 = 0x00000001
	FileWriteThrough            uint32 = 0x00000002
	FileSequentialOnly          uint32 = 0x00000004
	FileNoIntermediateBuffering uint32 = 0x00000008
	FileSynchronousIOAlert      uint32 = 0x00000010
	FileSynchronousIONonalert   uint32 = 0x00000020
	FileNonDirectoryFile        uint32 = 0x00000040
	FileCreateTreeConnection    uint32 = 0x00000080
	FileCompleteIfOplocked      uint32 = 0x00000100
	FileNoEAKnowledge           uint32 = 0x00000200
	FileOpenForRecovery         uint32 = 0x00000400
	FileRandomAccess            uint32 = 0x00000800
	FileDeleteOnClose           uint32 = 0x00001000
	FileOpenByFileID            uint32 = 0x00002000
	FileOpenForBackupIntent     uint32 = 0x00004000
	FileNoCompression           uint32 = 0x00008000
	FileReserveOpfilter         uint32 = 0x00100000
	FileOpenReparsePoint        uint32 = 0x00200000
	FileOpenNoRecall            uint32 = 0x00400000
	FileOpenForFreeSpaceQuery   uint32 = 0x00800000
)

// OplockLevel values of the NT_CREATE_ANDX response (MS-CIFS 2.2.4.64.2).
const (
	OplockNone      uint8 = 0
	OplockExclusive uint8 = 1
	OplockBatch     uint8 = 2
	OplockLevelII   uint8 = 3
)

// ResourceType values of the create and open responses (MS-CIFS 2.2.4.64.2).
const (
	FileTypeDisk            uint16 = 0x0000
	FileTypeByteModePipe    uint16 = 0x0001
	FileTypeMessageModePipe uint16 = 0x0002
	FileTypePrinter         uint16 = 0x0003
)

// FileStatusFlags of the extended NT_CREATE_ANDX response for a disk file,
// sent in place of NMPipeStatus (MS-SMB 2.2.4.9.2).
const (
	FileStatusNoEAs        uint16 = 0x0001
	FileStatusNoSubstreams uint16 = 0x0002
	FileStatusNoReparseTag uint16 = 0x0004
)

// NTCreateRequest is a view of an NT_CREATE_ANDX request (MS-CIFS 2.2.4.64.1,
// WordCount 24). FileName aliases the request buffer.
type NTCreateRequest struct {
	w    []byte
	name []byte
}

// ParseNTCreateRequest validates b; unicode is the header's Flags2Unicode.
func ParseNTCreateRequest(b Block, unicode bool) (NTCreateRequest, error) {
	if err := wantWords(b, 24); err != nil {
		return NTCreateRequest{}, err
	}
	// MS-CIFS 2.2.4.64.1: a Unicode FileName is preceded by a pad byte
	// that aligns it from the header start; ReadString skips it. The name
	// is read up to its terminator rather than by NameLength, which
	// clients disagree about (smbclient counts the terminator, impacket
	// does not) and which servers have long ignored.
	name, _, err := ReadString(b.Msg, b.DataOffset(), dataEnd(b), unicode)
	if err != nil {
		return NTCreateRequest{}, err
	}
	return NTCreateRequest{w: b.Words, name: name}, nil
}

// NameLength is the client's FileName length in bytes, as sent.
func (c NTCreateRequest) NameLength() uint16 { return rd16(c.w, 5) }

// Flags holds NTCreateRequest* bits.
func (c NTCreateRequest) Flags() uint32 { return rd32(c.w, 7) }

// RootDirectoryFID, when not zero, is an open directory FileName is relative to.
func (c NTCreateRequest) RootDirectoryFID() uint32  { return rd32(c.w, 11) }
func (c NTCreateRequest) DesiredAccess() uint32     { return rd32(c.w, 15) }
func (c NTCreateRequest) AllocationSize() uint64    { return rd64(c.w, 19) }
func (c NTCreateRequest) ExtFileAttributes() uint32 { return rd32(c.w, 27) }
func (c NTCreateRequest) ShareAccess() uint32       { return rd32(c.w, 31) }
func (c NTCreateRequest) CreateDisposition() uint32 { return rd32(c.w, 35) }
func (c NTCreateRequest) CreateOptions() uint32     { return rd32(c.w, 39) }

func (c NTCreateRequest) ImpersonationLevel() uint32 { return rd32(c.w, 43) }
func (c NTCreateRequest) SecurityFlags() uint8       { return c.w[47] }

// FileName is the raw path, without terminator or pad.
func (c NTCreateRequest) FileName() []byte { return c.name }

// NTCreateResponse is the NT_CREATE_ANDX response, fields in wire order
// (MS-CIFS 2.2.4.64.2, WordCount 34). With Extended set, which the server does
// when the request carried NTCreateRequestExtendedResponse, it is the
// MS-SMB 2.2.4.9.2 form ending in VolumeGUID, FileID and the maximal access
// rights.
type NTCreateResponse struct {
	Extended    bool
	OplockLevel uint8
	FID         uint16
	// CreateAction is what the open did (FileOpened, FileCreated...), sent
	// in the field MS-CIFS calls CreateDisposition.
	CreateAction uint32
	// Times are FILETIMEs.
	CreationTime      uint64
	LastAccessTime    uint64
	LastWriteTime     uint64
	LastChangeTime    uint64
	ExtFileAttributes uint32
	AllocationSize    uint64
	EndOfFile         uint64
	ResourceType      uint16
	// NMPipeStatus is the pipe state for a named pipe; for a disk file in
	// the extended form it carries FileStatusFlags (FileStatusNoEAs...).
	NMPipeStatus uint16
	Directory    bool

	VolumeGUID               [16]byte
	FileID                   uint64
	MaximalAccessRights      uint32
	GuestMaximalAccessRights uint32
}

// ntCreateExtendedWords is the WordCount of the extended response.
// MS-SMB 2.2.4.9.2: WordCount SHOULD be 0x2A, though the words fill 50;
// Windows and Samba send exactly that, and clients recognise the extended
// form by the value 0x2A. A client that trusts the 42 finds its ByteCount
// in the low bytes of FileID, which is why FileID is best left zero, as
// Samba leaves it.
const ntCreateExtendedWords = 42

// Encode appends the response block to r.
func (c NTCreateResponse) Encode(r *Response) {
	wc := r.Pos()
	r.BeginWords(ComNTCreateAndX)
	r.U8(c.OplockLevel)
	r.U16(c.FID)
	r.U32(c.CreateAction)
	r.U64(c.CreationTime)
	r.U64(c.LastAccessTime)
	r.U64(c.LastWriteTime)
	r.U64(c.LastChangeTime)
	r.U32(c.ExtFileAttributes)
	r.U64(c.AllocationSize)
	r.U64(c.EndOfFile)
	r.U16(c.ResourceType)
	r.U16(c.NMPipeStatus)
	if c.Directory {
		r.U8(1)
	} else {
		r.U8(0)
	}
	if c.Extended {
		r.Append(c.VolumeGUID[:])
		r.U64(c.FileID)
		r.U32(c.MaximalAccessRights)
		r.U32(c.GuestMaximalAccessRights)
	}
	r.BeginData()
	r.End()
	if c.Extended {
		r.buf[r.hdr+wc] = ntCreateExtendedWords
	}
}
