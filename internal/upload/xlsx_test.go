package upload

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"
)

// TestVerifyZipDirectory: a workbook whose zip directory declares more
// than the limits is refused from the directory alone, before a byte is
// unpacked; one whose part holds less than it declares is refused as
// damaged.
func TestVerifyZipDirectory(t *testing.T) {
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
		name     string
		size     uint64
		tooLarge bool
	}{
		{"xl/styles.xml", 1 << 20, false},
		{"xl/styles.xml", streamedFrom + 1, true},
		{"xl/worksheets/sheet2.xml", streamedFrom, false},
		{"xl/worksheets/sheet1.xml", 200 << 20, false}, // streamed through a temporary file, but holds 5 bytes
		{"xl/worksheets/sheet1.xml", MaxUnzipped + 1, true},
		{"xl/worksheets/sheet1.xml", 2 << 30, true},
	} {
		err := verifyZip(forged(tc.name, tc.size))
		var le *limitError
		if err == nil || errors.As(err, &le) != tc.tooLarge {
			t.Errorf("%s declaring %d bytes: %v (want too large: %v)", tc.name, tc.size, err, tc.tooLarge)
		}
	}
}

func TestColumnOf(t *testing.T) {
	for ref, want := range map[string]int{"A1": 1, "Z9": 26, "AA1": 27, "IV3": 256, "XFD1048576": 16384} {
		if got, ok := columnOf(ref); !ok || got != want {
			t.Errorf("columnOf(%q) = %d, %v; want %d", ref, got, ok, want)
		}
		if got := columnName(want); got+ref[len(got):] != ref {
			t.Errorf("columnName(%d) = %q", want, got)
		}
	}
}
