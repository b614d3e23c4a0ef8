package uploadtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
)

// Part is one part of a workbook's zip package, for the samples and tests
// that damage or forge packages.
type Part struct {
	Name string
	Data []byte
	// DeclaredSize and DeclaredCRC, when not zero, are written into the
	// zip headers in place of the true size and CRC-32.
	DeclaredSize uint64
	DeclaredCRC  uint32
}

// Unzip returns the parts of a zip package, each read in full.
func Unzip(data []byte) ([]Part, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	parts := make([]Part, 0, len(zr.File))
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		parts = append(parts, Part{Name: f.Name, Data: b})
	}
	return parts, nil
}

// Zip writes parts as a zip package, deflated, with the sizes and CRC-32
// each part declares.
func Zip(parts []Part) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		var c bytes.Buffer
		fw, err := flate.NewWriter(&c, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(p.Data); err != nil {
			return nil, err
		}
		if err := fw.Close(); err != nil {
			return nil, err
		}
		h := &zip.FileHeader{Name: p.Name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(p.Data),
			CompressedSize64: uint64(c.Len()), UncompressedSize64: uint64(len(p.Data))}
		if p.DeclaredSize != 0 {
			h.UncompressedSize64 = p.DeclaredSize
		}
		if p.DeclaredCRC != 0 {
			h.CRC32 = p.DeclaredCRC
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(c.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// CutSheet returns a workbook whose first worksheet declares only the
// bytes up to the end of the row in its middle, with their CRC-32: a
// reader that trusts the declared size reads half the rows and no error.
func CutSheet(xlsx []byte) ([]byte, error) {
	parts, err := Unzip(xlsx)
	if err != nil {
		return nil, err
	}
	for i, p := range parts {
		if p.Name != "xl/worksheets/sheet1.xml" {
			continue
		}
		cut := bytes.Index(p.Data[len(p.Data)/2:], []byte("</row>"))
		if cut < 0 {
			break
		}
		cut += len(p.Data)/2 + len("</row>")
		parts[i].DeclaredSize = uint64(cut)
		parts[i].DeclaredCRC = crc32.ChecksumIEEE(p.Data[:cut])
	}
	return Zip(parts)
}

// ZipRaw is Zip with the part named name replaced by data already
// deflated, declaring size bytes and a CRC-32 of zero: a zip bomb, or a
// part that lies about its size.
func ZipRaw(parts []Part, name string, deflated []byte, size uint64) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		if p.Name != name {
			continue
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(deflated)), UncompressedSize64: size})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(deflated); err != nil {
			return nil, err
		}
	}
	var rest []Part
	for _, p := range parts {
		if p.Name != name {
			rest = append(rest, p)
		}
	}
	tail, err := Zip(rest)
	if err != nil {
		return nil, err
	}
	// Copy the other parts through a reader of the package Zip made.
	zr, err := zip.NewReader(bytes.NewReader(tail), int64(len(tail)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
