package smb

import (
	"bytes"
	"testing"
)

func feaListOf(entries ...[]byte) []byte {
	var body []byte
	for _, e := range entries {
		body = append(body, e...)
	}
	return append([]byte{byte(4 + len(body)), 0, 0, 0}, body...)
}

func TestParseFEAs(t *testing.T) {
	one := AppendFEA(nil, 0, "EAONE", []byte("blah"))
	two := AppendFEA(nil, FEAFlagNeedEA, "EA TWO", nil)
	if !bytes.Equal(one, []byte{0, 5, 4, 0, 'E', 'A', 'O', 'N', 'E', 0, 'b', 'l', 'a', 'h'}) {
		t.Fatalf("AppendFEA % x", one)
	}
	body, err := ParseFEAList(feaListOf(one, two))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseFEAs(body)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for l.Len() > 0 {
		var e FEA
		e, l = l.Next()
		got = append(got, string(e.Name)+"="+string(e.Value))
	}
	if len(got) != 2 || got[0] != "EAONE=blah" || got[1] != "EA TWO=" {
		t.Errorf("entries %q", got)
	}
	for _, bad := range [][]byte{{0}, {0, 5, 4, 0, 'E'}, one[:len(one)-1]} {
		if _, err := ParseFEAs(bad); err != StatusInvalidParameter {
			t.Errorf("ParseFEAs(% x) = %v", bad, err)
		}
	}
}

func TestParseFullEAs(t *testing.T) {
	// Two entries, the first padded to 4 bytes as NT chains are.
	e1 := []byte{16, 0, 0, 0, 0, 2, 1, 0, 'A', 'B', 0, 'x', 0, 0, 0, 0}
	e2 := []byte{0, 0, 0, 0, 0, 1, 2, 0, 'C', 0, 'y', 'z'}
	l, err := ParseFullEAs(append(append([]byte{}, e1...), e2...))
	if err != nil {
		t.Fatal(err)
	}
	a, l := l.Next()
	b, l := l.Next()
	if string(a.Name) != "AB" || string(a.Value) != "x" || string(b.Name) != "C" || string(b.Value) != "yz" || l.Len() != 0 {
		t.Errorf("%q=%q %q=%q rest %d", a.Name, a.Value, b.Name, b.Value, l.Len())
	}
	for _, bad := range [][]byte{
		{1, 0, 0, 0, 0, 1, 0, 0, 'A', 0}, // next inside the entry
		{0, 1, 0, 0, 0, 1, 0, 0, 'A', 0}, // next past the data
		{0, 0, 0, 0, 0, 1, 9, 0, 'A', 0}, // value past the data
		{0, 0, 0},
	} {
		if _, err := ParseFullEAs(bad); err != StatusInvalidParameter {
			t.Errorf("ParseFullEAs(% x) = %v", bad, err)
		}
	}
}

func TestParseGEAList(t *testing.T) {
	_, err := ParseGEAList([]byte{10, 0, 0, 0, 3, 'O', 'N', 'E', 0, 0})
	if err == nil {
		t.Fatal("list with a stray byte accepted")
	}
	g, err := ParseGEAList([]byte{16, 0, 0, 0, 3, 'O', 'N', 'E', 0, 5, 'T', 'H', 'R', 'E', 'E', 0})
	if err != nil {
		t.Fatal(err)
	}
	a, g := g.Next()
	b, g := g.Next()
	if string(a) != "ONE" || string(b) != "THREE" || len(g) != 0 {
		t.Errorf("%q %q %d", a, b, len(g))
	}
	for _, bad := range [][]byte{nil, {3, 0, 0, 0}, {9, 0, 0, 0, 1}, {6, 0, 0, 0, 5, 'A'}} {
		if _, err := ParseGEAList(bad); err != StatusInvalidParameter {
			t.Errorf("ParseGEAList(% x) = %v", bad, err)
		}
	}
}

func TestEAParseAllocs(t *testing.T) {
	list := feaListOf(AppendFEA(nil, 0, "EAONE", []byte("blah")), AppendFEA(nil, 0, "B", nil))
	gea := []byte{9, 0, 0, 0, 3, 'O', 'N', 'E', 0}
	n := testing.AllocsPerRun(100, func() {
		body, _ := ParseFEAList(list)
		l, _ := ParseFEAs(body)
		for l.Len() > 0 {
			_, l = l.Next()
		}
		g, _ := ParseGEAList(gea)
		for len(g) > 0 {
			_, g = g.Next()
		}
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func BenchmarkParseFEAs(b *testing.B) {
	list := feaListOf(AppendFEA(nil, 0, "EAONE", []byte("blah")), AppendFEA(nil, 0, "SECOND", []byte("value")))
	b.ReportAllocs()
	for b.Loop() {
		body, _ := ParseFEAList(list)
		l, _ := ParseFEAs(body)
		for l.Len() > 0 {
			_, l = l.Next()
		}
	}
}

// FuzzEALists feeds the same bytes to every EA list parser and walks what
// they accept: a validated list must iterate to its end without panicking.
func FuzzEALists(f *testing.F) {
	f.Add(feaListOf(AppendFEA(nil, 0, "EAONE", []byte("blah")), AppendFEA(nil, 0x80, "X", nil)))
	f.Add([]byte{16, 0, 0, 0, 0, 2, 1, 0, 'A', 'B', 0, 'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 'C', 0, 'y', 'z'})
	f.Add([]byte{9, 0, 0, 0, 3, 'O', 'N', 'E', 0})
	f.Add([]byte{4, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if body, err := ParseFEAList(data); err == nil {
			if l, err := ParseFEAs(body); err == nil {
				for l.Len() > 0 {
					_, l = l.Next()
				}
			}
		}
		if l, err := ParseFullEAs(data); err == nil {
			for l.Len() > 0 {
				_, l = l.Next()
			}
		}
		if g, err := ParseGEAList(data); err == nil {
			for len(g) > 0 {
				_, g = g.Next()
			}
		}
		if p, err := ParseNTTransactCreateParams(data, true); err == nil {
			if l, err := NTTransactCreateEAs(p, data); err == nil {
				for l.Len() > 0 {
					_, l = l.Next()
				}
			}
		}
		ParseOpen2Params(data, true)
	})
}
