// Package insyn holds what the binaries embed from the repository's root:
// the sample lake, so that the API serves it with no directory or bucket
// configured.
package insyn

import (
	"embed"
	"io/fs"
)

// Only the manifest and the aggregates: the microdata under raw/ stay out of
// every binary, as the API may not read them (least privilege). The
// disclosure pattern and the stored reports are named on their own:
// go:embed leaves out directories starting with "_" inside a named one.
//
//go:embed testdata/lake/manifest.json testdata/lake/aggregates testdata/lake/aggregates/_disclosure testdata/lake/aggregates/_reports
var sampleLake embed.FS

// SampleLake returns the committed sample lake (testdata/lake, made by
// go run ./testdata/gen) as a file system rooted at the lake: manifest.json
// and aggregates/, without raw/. Serve it with fsstore.New.
func SampleLake() fs.FS {
	sub, err := fs.Sub(sampleLake, "testdata/lake")
	if err != nil {
		panic("insyn: embedded sample lake: " + err.Error()) // a constant, valid path
	}
	return sub
}
