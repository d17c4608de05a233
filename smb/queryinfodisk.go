package smb

// ParseQueryInformationDiskRequest validates an SMB_COM_QUERY_INFORMATION_DISK
// request, which has no fields (MS-CIFS 2.2.4.57.1).
func ParseQueryInformationDiskRequest(b Block) error { return wantWords(b, 0) }

// QueryInformationDiskResponse is the SMB_COM_QUERY_INFORMATION_DISK response,
// fields in wire order (MS-CIFS 2.2.4.57.2, WordCount 5). The disk's size is
// TotalUnits × BlocksPerUnit × BlockSize bytes, all three 16-bit; see
// ScaleDiskInfo.
type QueryInformationDiskResponse struct {
	TotalUnits    uint16
	BlocksPerUnit uint16
	BlockSize     uint16
	FreeUnits     uint16
}

// Encode appends the response block to r.
func (q QueryInformationDiskResponse) Encode(r *Response) {
	r.BeginWords(ComQueryInformationDisk)
	r.U16(q.TotalUnits)
	r.U16(q.BlocksPerUnit)
	r.U16(q.BlockSize)
	r.U16(q.FreeUnits)
	r.U16(0) // Reserved
	r.BeginData()
	r.End()
}

// ScaleDiskInfo expresses a disk of total bytes, free of them free, in the
// response's 16-bit fields. It keeps BlockSize at 512 and doubles the
// allocation unit, first BlocksPerUnit and then BlockSize, until the unit
// count fits, as Samba does; so a 270 GB disk reads as 64504 units of 8192
// blocks of 512 bytes, exact to one unit, where plain truncation to 16 bits
// would report nonsense and make clients such as smbclient fail with "Error
// in dskattr". Past 0xFFFF units of 32768 × 32768 bytes (64 TiB) the counts
// saturate.
//
// DOS clients multiply the three fields in 32 bits; for them, clamp total
// and free below 2 GiB before scaling.
func ScaleDiskInfo(total, free uint64) QueryInformationDiskResponse {
	if free > total {
		free = total
	}
	var bpu, bs uint64 = 1, 512
	for total/(bpu*bs) > 0xFFFF {
		switch {
		case bpu < 0x8000:
			bpu *= 2
		case bs < 0x8000:
			bs *= 2
		default:
			return QueryInformationDiskResponse{
				TotalUnits:    0xFFFF,
				BlocksPerUnit: uint16(bpu),
				BlockSize:     uint16(bs),
				FreeUnits:     uint16(min(free/(bpu*bs), 0xFFFF)),
			}
		}
	}
	unit := bpu * bs
	return QueryInformationDiskResponse{
		TotalUnits:    uint16(total / unit),
		BlocksPerUnit: uint16(bpu),
		BlockSize:     uint16(bs),
		FreeUnits:     uint16(free / unit),
	}
}
