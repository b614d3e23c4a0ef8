package upload

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// TestCheckZipRefusesForgedSizes: a workbook part that declares a huge
// size is refused before excelize allocates it.
func TestCheckZipRefusesForgedSizes(t *testing.T) {
	forged := func(name string, size uint64) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, CompressedSize64: 5, UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<a/>\n"))
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, tc := range []struct {
		name string
		size uint64
		ok   bool
	}{
		{"xl/styles.xml", 1 << 20, true},
		{"xl/styles.xml", maxInMemory + 1, false},
		{"xl/worksheets/sheet1.xml", 600 << 20, true}, // streamed through a temporary file
		{"xl/worksheets/sheet1.xml", maxUnzipped + 1, false},
	} {
		err := checkZip(forged(tc.name, tc.size))
		if (err == nil) != tc.ok {
			t.Errorf("%s declaring %d bytes: %v", tc.name, tc.size, err)
		}
	}
	_, err := Read("uploads/insatser/2024/f.xlsx", forged("xl/styles.xml", 1<<30))
	if r, ok := AsReport(err); !ok || r.Problems[0].Reason != ReasonUnreadable || !strings.Contains(r.Problems[0].Message, "MiB") {
		t.Errorf("forged workbook: %v", err)
	}
}
