package smb

import "testing"

// The zero-allocation claim of the command parsers and of the READ_ANDX
// response path, as tests and as benchmarks.

func TestCommandsNoAllocs(t *testing.T) {
	read := cmdGolden(t, "readandx_req_wc12")
	write := cmdLargeWrite(t)
	create := cmdGolden(t, "ntcreate_req_unicode")
	session := cmdGolden(t, "sessionsetup_req_nt_unicode")
	tree := cmdGolden(t, "treeconnect_req_share")
	rename := cmdGolden(t, "rename_req_unicode")
	payload := make([]byte, 60*1024)
	buf := make([]byte, 0, 4+HeaderLen+64+len(payload))
	tests := []struct {
		name string
		f    func()
	}{
		{"ParseMessage", func() {
			if _, err := ParseMessage(read); err != nil {
				panic(err)
			}
		}},
		{"ParseReadAndXRequest", func() {
			m, _ := ParseMessage(read)
			q, err := ParseReadAndXRequest(m.First)
			if err != nil || q.MaxCount() != 12 {
				panic(err)
			}
		}},
		{"ParseWriteAndXRequest", func() {
			m, _ := ParseMessage(write)
			q, err := ParseWriteAndXRequest(m.First)
			if err != nil || len(q.Data()) != 102400 {
				panic(err)
			}
		}},
		{"ParseNTCreateRequest", func() {
			m, _ := ParseMessage(create)
			c, err := ParseNTCreateRequest(m.First, m.Header.Unicode())
			if err != nil || len(c.FileName()) != 12 {
				panic(err)
			}
		}},
		{"ParseSessionSetupRequest", func() {
			m, _ := ParseMessage(session)
			if _, err := ParseSessionSetupRequest(m.First, true); err != nil {
				panic(err)
			}
		}},
		{"ParseTreeConnectRequest", func() {
			m, _ := ParseMessage(tree)
			if _, err := ParseTreeConnectRequest(m.First, true); err != nil {
				panic(err)
			}
		}},
		{"ParseRenameRequest", func() {
			m, _ := ParseMessage(rename)
			if _, err := ParseRenameRequest(m.First, true); err != nil {
				panic(err)
			}
		}},
		{"ReadAndX response", func() {
			m, _ := ParseMessage(read)
			var r Response
			r.Begin(buf[:4], m.Header, cmdUni)
			BeginReadAndXResponse(&r, 0xFFFF, len(payload))
			r.Append(payload)
		}},
		{"NTCreate response", func() {
			m, _ := ParseMessage(create)
			var r Response
			r.Begin(buf[:4], m.Header, cmdUni)
			NTCreateResponse{Extended: true, FID: 1}.Encode(&r)
		}},
		{"TreeConnect response", func() {
			m, _ := ParseMessage(tree)
			var r Response
			r.Begin(buf[:4], m.Header, cmdUni)
			TreeConnectResponse{Extended: true, Service: ServiceDisk, NativeFileSystem: "NTFS"}.Encode(&r)
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s allocates %v times per run", tt.name, n)
		}
	}
}

func BenchmarkParseMessageHeader(b *testing.B) {
	msg := cmdGolden(b, "readandx_req_wc12")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessage(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReadAndXRequest(b *testing.B) {
	msg := cmdGolden(b, "readandx_req_wc12")
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(msg)
		q, err := ParseReadAndXRequest(m.First)
		if err != nil || q.Offset() != 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseWriteAndXRequest(b *testing.B) {
	msg := cmdLargeWrite(b)
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(msg)
		if _, err := ParseWriteAndXRequest(m.First); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseNTCreateRequest(b *testing.B) {
	msg := cmdGolden(b, "ntcreate_req_unicode")
	b.ReportAllocs()
	for b.Loop() {
		m, _ := ParseMessage(msg)
		if _, err := ParseNTCreateRequest(m.First, m.Header.Unicode()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadAndXResponse builds the response header of a 60 KiB read
// into a preallocated buffer; the payload goes separately, as with writev.
func BenchmarkReadAndXResponse(b *testing.B) {
	req := Header(cmdGolden(b, "readandx_req_wc12")[:HeaderLen])
	buf := make([]byte, 4, 128)
	b.ReportAllocs()
	for b.Loop() {
		var r Response
		r.Begin(buf, req, cmdUni)
		BeginReadAndXResponse(&r, 0xFFFF, 60*1024)
	}
}
