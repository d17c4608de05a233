package smb

import (
	"errors"
	"testing"
)

func TestParseQueryInformationDiskRequest(t *testing.T) {
	if err := ParseQueryInformationDiskRequest(cmdFirst(t, cmdGolden(t, "queryinfodisk_req"))); err != nil {
		t.Fatal(err)
	}
	if err := ParseQueryInformationDiskRequest(cmdFirst(t, cmdMsg(ComQueryInformationDisk, 0, cmdHex("0000"), nil))); !errors.Is(err, errWords) {
		t.Fatalf("err = %v, want errWords", err)
	}
}

func TestQueryInformationDiskResponseGolden(t *testing.T) {
	gold := cmdGolden(t, "queryinfodisk_resp")
	r := cmdReply(gold)
	QueryInformationDiskResponse{TotalUnits: 64504, BlocksPerUnit: 8192, BlockSize: 512, FreeUnits: 20209}.Encode(r)
	cmdSame(t, r.Bytes(), gold)
	cmdParseBack(t, r.Bytes(), 5, 0)
}

func TestScaleDiskInfo(t *testing.T) {
	const GiB = 1 << 30
	tests := []struct {
		name        string
		total, free uint64
		want        QueryInformationDiskResponse
	}{
		// The disk Samba described in queryinfodisk_resp: 264212084 KiB.
		{"Samba's 270 GB disk", 264212084 * 1024, 20209 * 8192 * 512,
			QueryInformationDiskResponse{64504, 8192, 512, 20209}},
		{"empty", 0, 0, QueryInformationDiskResponse{0, 1, 512, 0}},
		{"10 MB", 10_000_000, 5_000_000, QueryInformationDiskResponse{19531, 1, 512, 9765}},
		{"exactly 0xFFFF blocks", 0xFFFF * 512, 0, QueryInformationDiskResponse{0xFFFF, 1, 512, 0}},
		{"one block more", 0x10000 * 512, 512, QueryInformationDiskResponse{0x8000, 2, 512, 0}},
		{"2 TiB", 2048 * GiB, 1024 * GiB, QueryInformationDiskResponse{0x8000, 0x8000, 2048, 0x4000}},
		{"free above total", 1 * GiB, 2 * GiB, QueryInformationDiskResponse{0x8000, 64, 512, 0x8000}},
		{"saturated", 1 << 62, 1 << 61, QueryInformationDiskResponse{0xFFFF, 0x8000, 0x8000, 0xFFFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScaleDiskInfo(tt.total, tt.free)
			if got != tt.want {
				t.Fatalf("ScaleDiskInfo(%d, %d) = %+v, want %+v", tt.total, tt.free, got, tt.want)
			}
			unit := uint64(got.BlocksPerUnit) * uint64(got.BlockSize)
			if got.TotalUnits < 0xFFFF && tt.total-uint64(got.TotalUnits)*unit >= unit {
				t.Errorf("total off by more than one unit")
			}
		})
	}
}
