package server

// positions are the file positions of a connection's FIDs, by FID, for the
// FIDs whose position moved. The NT commands carry an offset in every read
// and write; only the core READ/WRITE/SEEK commands (core.go) and the
// FILE_POSITION_INFORMATION level of QUERY_FILE_INFO and SET_FILE_INFO
// (MS-FSCC 2.4.35) see a position. The nil map is ready; it is made on
// first use.
type positions map[uint16]filePos

// filePos is a FID's position. Samba keeps two, and smbtorture's raw.seek
// tells them apart: pos is where SEEK counts from, moved by SEEK and by every
// read and write; info is FILE_POSITION_INFORMATION, moved by reads and by
// setting that level, but not by writes or SEEK.
type filePos struct {
	pos, info int64
}

// forget drops the position of a FID that was closed. files.go and core.go
// call it on every close path.
func (ps *positions) forget(fid uint16) { delete(*ps, fid) }

func (ps *positions) position(fid uint16) filePos { return (*ps)[fid] }

func (ps *positions) setPosition(fid uint16, p filePos) {
	if p == (filePos{}) {
		delete(*ps, fid)
		return
	}
	if *ps == nil {
		*ps = make(positions)
	}
	(*ps)[fid] = p
}

// readDone and wroteDone record a completed read or write of n bytes at
// off on fid: the position follows the transfer, and a read moves the
// position information too (Samba's read_file and write_file).
func (ps *positions) readDone(fid uint16, off int64, n int) {
	end := off + int64(n)
	ps.setPosition(fid, filePos{pos: end, info: end})
}

func (ps *positions) wroteDone(fid uint16, off int64, n int) {
	p := ps.position(fid)
	p.pos = off + int64(n)
	ps.setPosition(fid, p)
}

// positionInformation and setPositionInformation serve the
// FILE_POSITION_INFORMATION level of QUERY_FILE_INFO and SET_FILE_INFO.
func (ps *positions) positionInformation(fid uint16) uint64 {
	return uint64(ps.position(fid).info)
}

func (ps *positions) setPositionInformation(fid uint16, v uint64) {
	p := ps.position(fid)
	p.info = int64(v)
	ps.setPosition(fid, p)
}
