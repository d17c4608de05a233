//go:build !tinysmbd_nonbns

package netbios

import "testing"

func TestNBNameLabel(t *testing.T) {
	for _, tc := range []struct {
		n    nbName
		want string
	}{
		{nbName{name: "TINYSMBD", suffix: 0x20}, "TINYSMBD<20>"},
		{nbName{name: "WORKGROUP", suffix: 0x1E}, "WORKGROUP<1e>"},
		{nbName{name: "X", suffix: 0}, "X<00>"},
	} {
		if got := tc.n.label(); got != tc.want {
			t.Errorf("label = %q; want %q", got, tc.want)
		}
	}
}
