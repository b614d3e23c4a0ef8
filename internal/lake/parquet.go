package lake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
)

// createdBy is written into every file instead of parquet-go's default,
// which embeds the build's module versions and would make the bytes depend
// on how the writer was built.
const createdBy = "insyn lake format " + v1.Version

// Metadata keys written into every file's footer, so a file found on its own
// says what it is.
const (
	metaFormat  = "insyn.format"
	metaDataset = "insyn.dataset"
)

// encodeRows writes rows as one Parquet file with fixed options, so equal
// rows give equal bytes, and checks that the encodings the struct tags ask
// for were used. The caller sorts rows.
func encodeRows[T any](dataset string, rows []T) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf,
		&parquet.WriterConfig{CreatedBy: createdBy},
		parquet.Compression(&parquet.Zstd),
		parquet.KeyValueMetadata(metaFormat, v1.Version),
		parquet.KeyValueMetadata(metaDataset, dataset),
	)
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, fmt.Errorf("reopen written file: %w", err)
	}
	if err := checkEncodings(f, parquet.SchemaOf(new(T))); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkEncodings verifies that every data page of every column with an
// encoding in the schema (dict, delta) is stored in that encoding.
func checkEncodings(f *parquet.File, schema *parquet.Schema) error {
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			path := cc.MetaData.PathInSchema
			leaf, ok := schema.Lookup(path...)
			if !ok {
				return fmt.Errorf("column %q is not in the schema", strings.Join(path, "."))
			}
			if leaf.Node.Encoding() == nil {
				continue
			}
			want := leaf.Node.Encoding().Encoding()
			got := dataPageEncodings(cc.MetaData)
			if len(got) != 1 || got[0] != want {
				return fmt.Errorf("column %q: data pages are encoded %v, the schema asks for %v", strings.Join(path, "."), got, want)
			}
		}
	}
	return nil
}

// dataPageEncodings returns the distinct encodings of a column chunk's data
// pages.
func dataPageEncodings(md format.ColumnMetaData) []format.Encoding {
	var out []format.Encoding
	for _, s := range md.EncodingStats {
		if s.PageType != format.DataPage && s.PageType != format.DataPageV2 {
			continue
		}
		if !slices.Contains(out, s.Encoding) {
			out = append(out, s.Encoding)
		}
	}
	return out
}

// errColumn names the column that makes a file unreadable as T.
var errColumn = errors.New("column does not match the format")

// decodeRows reads a Parquet file as rows of T after checking that its
// columns are exactly those of T, with the same types.
func decodeRows[T any](data []byte) ([]T, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	if err := checkColumns(f.Schema(), parquet.SchemaOf(new(T))); err != nil {
		return nil, err
	}
	rows := make([]T, f.NumRows())
	if len(rows) == 0 {
		return rows, nil
	}
	r := parquet.NewGenericReader[T](f)
	defer r.Close()
	n := 0
	for n < len(rows) {
		k, err := r.Read(rows[n:])
		n += k
		if errors.Is(err, io.EOF) || (err == nil && k == 0) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read rows: %w (%d of %d read)", err, n, len(rows))
		}
	}
	if n != len(rows) {
		return nil, fmt.Errorf("read %d rows, the footer says %d", n, len(rows))
	}
	return rows, nil
}

// checkColumns compares a file's leaf columns with the format's.
func checkColumns(got, want *parquet.Schema) error {
	for _, path := range want.Columns() {
		name := strings.Join(path, ".")
		w, _ := want.Lookup(path...)
		g, ok := got.Lookup(path...)
		if !ok {
			return fmt.Errorf("%w: column %q is missing", errColumn, name)
		}
		if gt, wt := g.Node.Type(), w.Node.Type(); gt.Kind() != wt.Kind() || gt.String() != wt.String() {
			return fmt.Errorf("%w: column %q is %s, the format says %s", errColumn, name, gt, wt)
		}
		if g.Node.Optional() != w.Node.Optional() || g.Node.Repeated() != w.Node.Repeated() {
			return fmt.Errorf("%w: column %q is %s, the format says %s", errColumn, name, repetition(g.Node), repetition(w.Node))
		}
	}
	for _, path := range got.Columns() {
		if _, ok := want.Lookup(path...); !ok {
			return fmt.Errorf("%w: column %q is not in format %s", errColumn, strings.Join(path, "."), v1.Version)
		}
	}
	return nil
}

func repetition(n parquet.Node) string {
	switch {
	case n.Optional():
		return "optional"
	case n.Repeated():
		return "repeated"
	}
	return "required"
}
