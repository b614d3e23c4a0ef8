package upload_test

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/upload"
	"github.com/stockholm/insyn/internal/upload/uploadtest"
)

// FuzzXLSXPackage damages the zip package of a valid workbook the way a
// hostile or broken upload would: a byte changed, the file cut, a declared
// CRC-32, size, compression method or name offset of a part changed in
// the central directory or in a local header, a byte of a part's
// compressed data flipped. Whatever comes out, Read must not panic, must
// stay within its limits of time and memory, and must either refuse the
// file with a report or return exactly the rows of the undamaged workbook:
// a damaged package is never read as other rows. The seeds (one per kind
// of damage) run with every `go test`; docs/ingest.md gives the long run.
func FuzzXLSXPackage(f *testing.F) {
	tab := insatserTable(30)
	base, err := tab.XLSX(uploadtest.Style{Format: upload.XLSX, SerialDates: true})
	if err != nil {
		f.Fatal(err)
	}
	const key = "uploads/insatser/2024/a.xlsx"
	want, err := upload.Read(key, base)
	if err != nil {
		f.Fatal(err)
	}
	pkg := parsePackage(base)
	if len(pkg.central) == 0 {
		f.Fatal("no central directory entries in the sample workbook")
	}
	for op := range byte(numDamages) {
		for _, pos := range []uint32{0, 1, 3, 7} {
			f.Add(op, pos, uint32(0x7fffffff))
			f.Add(op, pos, uint32(1))
		}
	}
	f.Fuzz(func(t *testing.T, op byte, pos, val uint32) {
		data := pkg.damage(op, pos, val)
		start := time.Now()
		got, err := upload.Read(key, data)
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("Read took %v", took)
		}
		if (got == nil) == (err == nil) {
			t.Fatalf("Read returned file %v and error %v: want exactly one", got != nil, err)
		}
		if err != nil {
			r, ok := upload.AsReport(err)
			if !ok || len(r.Problems) == 0 {
				t.Fatalf("error %v is not a report", err)
			}
			return
		}
		if !reflect.DeepEqual(got.Insatser, want.Insatser) {
			t.Fatalf("damage %d at %d (%#x) was read as %d rows that differ from the workbook's %d", op%numDamages, pos, val, got.Len(), want.Len())
		}
	})
}

// zipPackage locates the headers of a zip package.
type zipPackage struct {
	data    []byte
	central []int // offsets of central directory headers
	local   []int // offsets of local file headers
}

func parsePackage(b []byte) zipPackage {
	p := zipPackage{data: b}
	for i := 0; i+4 <= len(b); i++ {
		switch {
		case bytes.Equal(b[i:i+4], []byte("PK\x01\x02")) && i+46 <= len(b):
			p.central = append(p.central, i)
		case bytes.Equal(b[i:i+4], []byte("PK\x03\x04")) && i+30 <= len(b):
			p.local = append(p.local, i)
		}
	}
	return p
}

// The kinds of damage.
const (
	setByte = iota
	cut
	centralCRC
	centralCompressed
	centralSize
	centralMethod
	centralNameLen
	centralOffset
	localCRC
	localSize
	localMethod
	flipData
	numDamages
)

// damage returns a copy of the package with one damage of kind op at the
// pos-th place it applies to.
func (p zipPackage) damage(op byte, pos, val uint32) []byte {
	b := bytes.Clone(p.data)
	put32 := func(at int) { binary.LittleEndian.PutUint32(b[at:], val) }
	put16 := func(at int) { binary.LittleEndian.PutUint16(b[at:], uint16(val)) }
	c := p.central[int(pos)%len(p.central)]
	l := p.local[int(pos)%len(p.local)]
	switch op % numDamages {
	case setByte:
		b[int(pos)%len(b)] = byte(val)
	case cut:
		b = b[:int(pos)%len(b)]
	case centralCRC:
		put32(c + 16)
	case centralCompressed:
		put32(c + 20)
	case centralSize:
		put32(c + 24)
	case centralMethod:
		put16(c + 10)
	case centralNameLen:
		put16(c + 28)
	case centralOffset:
		put32(c + 42)
	case localCRC:
		put32(l + 14)
	case localSize:
		put32(l + 22)
	case localMethod:
		put16(l + 8)
	case flipData:
		nameLen := int(binary.LittleEndian.Uint16(b[l+26:]))
		extraLen := int(binary.LittleEndian.Uint16(b[l+28:]))
		at := l + 30 + nameLen + extraLen + int(val%64)
		if at < len(b) {
			b[at] ^= 0x5a
		}
	}
	return b
}
