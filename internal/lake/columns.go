package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/store"
)

// Columns is one dataset's aggregate files of a year read column by
// column, for a reader that keeps them as columns (the API's index):
// every code a small integer, every measure a float64, the rows in the
// files' order. No row is made as a struct or a string.
type Columns struct {
	// Dataset is the dataset's name.
	Dataset string
	// Dims are "ar" (the year partition, one code) and the format's
	// dimension columns (its strings and its int32s, such as kvartal), in
	// the format's order. Codes[d] lists dimension d's codes in the order
	// of the first row holding each, as decimal numbers for an int32
	// column; IDs[d] holds each row's code as its number in Codes[d].
	Dims  []string
	Codes [][]string
	IDs   [][]uint16
	// Measures are the format's int64 and double columns, in its order;
	// Values[m] holds each row's value.
	Measures []string
	Values   [][]float64
	// Rows is the number of rows.
	Rows int
}

// ReadColumns reads the aggregate files m lists for dataset name and year
// as ReadDatasetYear does, with its checks (size, SHA-256, columns, rows),
// but straight from the files' column chunks into Columns: a dictionary
// page's indexes become codes' integers, with no row decoded.
func ReadColumns(ctx context.Context, st store.Store, m *Manifest, name string, year int) (*Columns, error) {
	schema, ok := aggregateSchemas[name]
	if !ok {
		return nil, fmt.Errorf("lake: no aggregate dataset %q", name)
	}
	c := &Columns{Dataset: name, Dims: []string{"ar"}, Codes: [][]string{{strconv.Itoa(year)}}, IDs: [][]uint16{nil}}
	type column struct {
		name string
		dim  int // index in c.Dims, or -1
		val  int // index in c.Measures, or -1
	}
	var cols []column
	for _, f := range schema.Fields() {
		switch f.Type().Kind() {
		case parquet.ByteArray, parquet.Int32:
			cols = append(cols, column{f.Name(), len(c.Dims), -1})
			c.Dims = append(c.Dims, f.Name())
			c.Codes = append(c.Codes, nil)
			c.IDs = append(c.IDs, nil)
		case parquet.Int64, parquet.Double:
			cols = append(cols, column{f.Name(), -1, len(c.Measures)})
			c.Measures = append(c.Measures, f.Name())
			c.Values = append(c.Values, nil)
		default:
			return nil, fmt.Errorf("lake: dataset %s: column %s of kind %s cannot be read as columns", name, f.Name(), f.Type().Kind())
		}
	}
	var files []File
	if d := m.Datasets[name]; d != nil {
		for _, f := range d.Files {
			if f.Ar == year {
				files = append(files, f)
			}
		}
	}
	// Every column holds the rows the manifest counts: made that long
	// at once, not grown (up to a bound, so that a manifest that says
	// more rows than its files hold costs no more memory than they do).
	var rows int64
	for _, f := range files {
		rows += max(f.Rows, 0)
	}
	rows = min(rows, maxPreallocatedRows)
	for d := 1; d < len(c.IDs); d++ {
		c.IDs[d] = make([]uint16, 0, rows)
	}
	for m := range c.Values {
		c.Values[m] = make([]float64, 0, rows)
	}
	datas := make([][]byte, len(files))
	err := forEach(ctx, len(files), func(ctx context.Context, i int) error {
		data, err := fetch(ctx, st, files[i].Key)
		datas[i] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("lake: dataset %s: %w", name, err)
	}
	ids := make([]map[string]uint16, len(c.Dims))
	for d := range ids {
		ids[d] = map[string]uint16{}
	}
	for i, f := range files {
		fail := func(err error) error { return fmt.Errorf("lake: dataset %s: %s: %w", name, f.Key, err) }
		data := datas[i]
		datas[i] = nil
		if err := checkFile(f, data); err != nil {
			return nil, fail(err)
		}
		pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fail(err)
		}
		if err := checkColumns(pf.Schema(), schema); err != nil {
			return nil, fail(fmt.Errorf("%w: %w", ErrCorrupt, err))
		}
		if pf.NumRows() != f.Rows {
			return nil, fail(fmt.Errorf("%w: %d rows, the manifest says %d", ErrCorrupt, pf.NumRows(), f.Rows))
		}
		start := c.Rows
		for _, rg := range pf.RowGroups() {
			chunks := rg.ColumnChunks()
			for _, col := range cols {
				leaf, _ := pf.Schema().Lookup(col.name)
				var n int
				if col.dim >= 0 {
					n, err = readCodes(chunks[leaf.ColumnIndex], ids[col.dim], &c.Codes[col.dim], &c.IDs[col.dim])
				} else {
					n, err = readValues(chunks[leaf.ColumnIndex], &c.Values[col.val])
				}
				if err != nil {
					return nil, fail(fmt.Errorf("column %s: %w", col.name, err))
				}
				if n != int(rg.NumRows()) {
					return nil, fail(fmt.Errorf("%w: column %s has %d values in a row group of %d rows", ErrCorrupt, col.name, n, rg.NumRows()))
				}
			}
			c.Rows += int(rg.NumRows())
		}
		if int64(c.Rows-start) != f.Rows {
			return nil, fail(fmt.Errorf("%w: %d rows read, the manifest says %d", ErrCorrupt, c.Rows-start, f.Rows))
		}
	}
	c.IDs[0] = make([]uint16, c.Rows)
	return c, nil
}

// maxPreallocatedRows bounds the rows ReadColumns makes room for ahead.
const maxPreallocatedRows = 1 << 22

// aggregateSchemas are the format's schemas of the aggregate datasets.
var aggregateSchemas = map[string]*parquet.Schema{
	Insatser:         parquet.SchemaOf(new(v1.InsatsCell)),
	InsatserPersoner: parquet.SchemaOf(new(v1.PersonCell)),
	Beslut:           parquet.SchemaOf(new(v1.BeslutCell)),
	EjVerkstallda:    parquet.SchemaOf(new(v1.EjVerkstalltCell)),
	KBF:              parquet.SchemaOf(new(v1.KBFCell)),
	Lov:              parquet.SchemaOf(new(v1.LovCell)),
	Befolkning:       parquet.SchemaOf(new(v1.BefolkningCell)),
	SFB:              parquet.SchemaOf(new(v1.SFBCell)),
}

// readCodes appends a dimension column chunk's codes to *ids, as their
// integers in *codes (new codes appended in the order of their first
// row; byCode maps the codes so far), and returns the number of values.
func readCodes(chunk parquet.ColumnChunk, byCode map[string]uint16, codes *[]string, ids *[]uint16) (int, error) {
	id := func(code string) (uint16, error) {
		if x, ok := byCode[code]; ok {
			return x, nil
		}
		if len(*codes) > math.MaxUint16 {
			return 0, fmt.Errorf("more than %d codes", math.MaxUint16+1)
		}
		x := uint16(len(*codes))
		byCode[code] = x
		*codes = append(*codes, code)
		return x, nil
	}
	n := 0
	err := eachPage(chunk, func(p parquet.Page) error {
		vals := p.Data()
		if dict := p.Dictionary(); dict != nil {
			// The page holds each row's index into the dictionary:
			// each index is looked up once.
			trans := make([]int32, dict.Len())
			for i := range trans {
				trans[i] = -1
			}
			for _, k := range vals.Int32() {
				if k < 0 || int(k) >= len(trans) {
					return fmt.Errorf("%w: dictionary index %d of %d", ErrCorrupt, k, len(trans))
				}
				if trans[k] < 0 {
					x, err := id(valueCode(dict.Index(k)))
					if err != nil {
						return err
					}
					trans[k] = int32(x)
				}
				*ids = append(*ids, uint16(trans[k]))
			}
			n += int(p.NumValues())
			return nil
		}
		switch vals.Kind() {
		case encoding.ByteArray:
			data, offsets := vals.ByteArray()
			for i := 0; i+1 < len(offsets); i++ {
				x, ok := byCode[string(data[offsets[i]:offsets[i+1]])]
				if !ok {
					var err error
					if x, err = id(string(data[offsets[i]:offsets[i+1]])); err != nil {
						return err
					}
				}
				*ids = append(*ids, x)
			}
		case encoding.Int32:
			for _, v := range vals.Int32() {
				x, err := id(strconv.Itoa(int(v)))
				if err != nil {
					return err
				}
				*ids = append(*ids, x)
			}
		default:
			return fmt.Errorf("%w: a page of kind %s in a dimension column", ErrCorrupt, vals.Kind())
		}
		n += int(p.NumValues())
		return nil
	})
	return n, err
}

// valueCode is a dimension value as a code.
func valueCode(v parquet.Value) string {
	if v.Kind() == parquet.Int32 {
		return strconv.Itoa(int(v.Int32()))
	}
	return string(v.ByteArray())
}

// readValues appends a measure column chunk's values to *out and returns
// their number.
func readValues(chunk parquet.ColumnChunk, out *[]float64) (int, error) {
	n := 0
	err := eachPage(chunk, func(p parquet.Page) error {
		if p.Dictionary() != nil {
			return fmt.Errorf("%w: a dictionary page in a measure column", ErrCorrupt)
		}
		vals := p.Data()
		switch vals.Kind() {
		case encoding.Int64:
			for _, v := range vals.Int64() {
				*out = append(*out, float64(v))
			}
		case encoding.Double:
			for _, v := range vals.Double() {
				// Added to zero, as a cube's builder adds every value.
				*out = append(*out, 0+v)
			}
		default:
			return fmt.Errorf("%w: a page of kind %s in a measure column", ErrCorrupt, vals.Kind())
		}
		n += int(p.NumValues())
		return nil
	})
	return n, err
}

// eachPage calls fn with every page of chunk; a page's values are valid
// during the call only.
func eachPage(chunk parquet.ColumnChunk, fn func(parquet.Page) error) error {
	pages := chunk.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.NumNulls() > 0 {
			parquet.Release(p)
			return fmt.Errorf("%w: %d nulls in a required column", ErrCorrupt, p.NumNulls())
		}
		err = fn(p)
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}
