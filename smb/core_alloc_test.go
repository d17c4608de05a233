package smb

import "testing"

// The core commands' parse and encode paths allocate nothing either.

func TestCoreCommandsNoAllocs(t *testing.T) {
	open := cmdGolden(t, "core_open_req")
	create := cmdGolden(t, "core_create_req")
	ctemp := cmdGolden(t, "core_ctemp_req")
	read := cmdGolden(t, "core_read_req")
	write := cmdGolden(t, "core_write_req")
	writeClose := cmdGolden(t, "core_writeclose_req")
	seek := cmdGolden(t, "core_seek_req")
	qinfo2 := cmdGolden(t, "core_qinfo2_req")
	sinfo2 := cmdGolden(t, "core_sinfo2_req")
	search := cmdGolden(t, "core_search_next_req")
	buf := make([]byte, 0, 8192)
	entry := DirectoryEntry{FileAttributes: 0x20, FileSize: 7, FileName: "README.TXT"}
	tests := []struct {
		name string
		f    func()
	}{
		{"ParseOpenRequest", func() {
			m, _ := ParseMessage(open)
			if _, err := ParseOpenRequest(m.First, true); err != nil {
				panic(err)
			}
		}},
		{"ParseCreateRequest", func() {
			m, _ := ParseMessage(create)
			if _, err := ParseCreateRequest(m.First, true); err != nil {
				panic(err)
			}
		}},
		{"ParseCreateTemporaryRequest", func() {
			m, _ := ParseMessage(ctemp)
			if _, err := ParseCreateTemporaryRequest(m.First, true); err != nil {
				panic(err)
			}
		}},
		{"ParseReadRequest", func() {
			m, _ := ParseMessage(read)
			if _, err := ParseReadRequest(m.First); err != nil {
				panic(err)
			}
		}},
		{"ParseWriteRequest", func() {
			m, _ := ParseMessage(write)
			if q, err := ParseWriteRequest(m.First); err != nil || len(q.Data()) != 9 {
				panic(err)
			}
		}},
		{"ParseWriteAndCloseRequest", func() {
			m, _ := ParseMessage(writeClose)
			if _, err := ParseWriteAndCloseRequest(m.First); err != nil {
				panic(err)
			}
		}},
		{"ParseSeekRequest", func() {
			m, _ := ParseMessage(seek)
			if _, err := ParseSeekRequest(m.First); err != nil {
				panic(err)
			}
		}},
		{"ParseQueryInformation2Request", func() {
			m, _ := ParseMessage(qinfo2)
			if _, err := ParseQueryInformation2Request(m.First); err != nil {
				panic(err)
			}
		}},
		{"ParseSetInformation2Request", func() {
			m, _ := ParseMessage(sinfo2)
			if _, err := ParseSetInformation2Request(m.First); err != nil {
				panic(err)
			}
		}},
		{"ParseSearchRequest", func() {
			m, _ := ParseMessage(search)
			if s, err := ParseSearchRequest(m.First, true); err != nil || len(s.ResumeKey()) != ResumeKeyLen {
				panic(err)
			}
		}},
		{"READ response", func() {
			m, _ := ParseMessage(read)
			var r Response
			r.Begin(buf[:4], m.Header, cmdUni)
			pos := BeginReadResponse(&r, 4096)
			r.Extend(4096)
			SetReadDataLength(&r, pos, 4096)
		}},
		{"SEARCH response", func() {
			m, _ := ParseMessage(search)
			var r Response
			r.Begin(buf[:4], m.Header, cmdOEM)
			pos := BeginSearchResponse(&r, ComSearch)
			for range 100 {
				AppendDirectoryEntry(&r, &entry)
			}
			EndSearchResponse(&r, pos, 100)
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s allocates %v times per run", tt.name, n)
		}
	}
}

func BenchmarkParseSearchRequest(b *testing.B) {
	msg := cmdGolden(b, "core_search_next_req")
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(msg)
		if _, err := ParseSearchRequest(m.First, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearchResponse encodes a full page of 100 entries, what DOS
// clients ask for per SEARCH.
func BenchmarkSearchResponse(b *testing.B) {
	req := Header(cmdGolden(b, "core_search_next_req")[:HeaderLen])
	buf := make([]byte, 4, 8192)
	e := DirectoryEntry{FileAttributes: 0x20, FileSize: 7, FileName: "README.TXT"}
	b.ReportAllocs()
	for b.Loop() {
		var r Response
		r.Begin(buf, req, cmdOEM)
		pos := BeginSearchResponse(&r, ComSearch)
		for range 100 {
			AppendDirectoryEntry(&r, &e)
		}
		EndSearchResponse(&r, pos, 100)
	}
}

func BenchmarkParseWriteRequest(b *testing.B) {
	msg := cmdGolden(b, "core_write_req")
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(msg)
		if _, err := ParseWriteRequest(m.First); err != nil {
			b.Fatal(err)
		}
	}
}
