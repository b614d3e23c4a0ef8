// Package lake is insyn's Parquet lake: where each table lives in the object
// store, how it is written, how a version is published, and how it is read
// back.
//
// Layout, Hive-partitioned so Athena, Spark or DuckDB read the same files:
//
//	manifest.json                                          what is published
//	aggregates/dataset=<name>/ar=<year>/part-<hash>.parquet  read by the API
//	raw/dataset=<name>/ar=<year>/part-<hash>.parquet         microdata: ingest only
//	aggregates/_disclosure/pattern-<hash>.json               the disclosure pattern
//	aggregates/_reports/reports-<hash>.json                  the seed tables' answers
//
// <hash> is the first 16 hex digits of the SHA-256 of the file's bytes. Files
// are content-addressed: a new lake version writes new keys next to the old
// ones and never changes what an existing key holds, so a reader holding an
// older manifest can still read every file it lists. The year is the
// partition column: it is in the key, not in the rows (see vparquet1).
//
// A version becomes visible only when manifest.json changes, and the manifest
// is written last with a conditional Put, so readers never see a manifest
// naming a file that is not there, and two concurrent publishers cannot both
// win.
package lake

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// ManifestKey is the key of the manifest at the lake root.
const ManifestKey = "manifest.json"

// Prefixes of the two parts of the lake. Access is granted by prefix: the API
// may read AggregatesPrefix and ManifestKey only; RawPrefix is for ingest.
const (
	AggregatesPrefix = "aggregates/"
	RawPrefix        = "raw/"
)

// Dataset names as they appear in keys and in the manifest.
const (
	Insatser         = "insatser"
	InsatserPersoner = "insatser_personer"
	Beslut           = "beslut"
	EjVerkstallda    = "ej_verkstallda"
	KBF              = "kbf"
	Lov              = "lov"
	Befolkning       = "befolkning"
	SFB              = "sfb"
)

// DatasetInfo describes one dataset of the lake.
type DatasetInfo struct {
	// Name is the dataset's name in keys and in the manifest.
	Name string
	// Raw reports whether the dataset also has microdata under raw/.
	Raw bool
	// Source is the "Källa: …" line that goes with every answer from it.
	Source string
}

// datasets lists every dataset, those built from microdata first. The
// sources are those the seed reports print under the tables each dataset
// feeds.
var datasets = []DatasetInfo{
	{Name: Insatser, Raw: true, Source: "Källa: Sociala system"},
	{Name: InsatserPersoner, Source: "Källa: Sociala system"},
	{Name: Beslut, Raw: true, Source: "Källa: Stadsdelsnämnderna"},
	{Name: EjVerkstallda, Raw: true, Source: "Källa: Stadsdelsnämndernas rapportering till IVO"},
	{Name: KBF, Raw: true, Source: "Källa: Sociala system (antal personer), Stadsledningskontoret (kostnader)"},
	{Name: Lov, Source: "Källa: Enheten för upphandling och föreningsstöd, socialförvaltningen"},
	{Name: Befolkning, Source: "Källa: Statistikmyndigheten SCB"},
	{Name: SFB, Source: "Källa: Försäkringskassan, december respektive år"},
}

// Datasets returns every dataset of the lake: those built from microdata
// first, then the delivered aggregates.
func Datasets() []DatasetInfo { return slices.Clone(datasets) }

// LookupDataset returns the description of the dataset called name.
func LookupDataset(name string) (DatasetInfo, bool) {
	for _, d := range datasets {
		if d.Name == name {
			return d, true
		}
	}
	return DatasetInfo{}, false
}

// DisclosurePrefix holds the disclosure patterns, under the aggregates so
// the API's read access covers it; a directory starting with "_" is skipped
// by Athena, Spark and DuckDB's Hive partitioning.
const DisclosurePrefix = AggregatesPrefix + "_disclosure/"

// DisclosureKey returns the key of a disclosure pattern with the given hex
// SHA-256.
func DisclosureKey(sha256 string) string {
	if len(sha256) < hashLen {
		return DisclosurePrefix + "pattern-" + sha256 + ".json"
	}
	return DisclosurePrefix + "pattern-" + sha256[:hashLen] + ".json"
}

// ReportsPrefix holds the stored answers of the seed tables, computed
// where the version is written; like DisclosurePrefix it starts with "_",
// so Hive-partitioned readers skip it.
const ReportsPrefix = AggregatesPrefix + "_reports/"

// ReportsKey returns the key of a stored reports file with the given hex
// SHA-256.
func ReportsKey(sha256 string) string {
	return ReportsPrefix + "reports-" + sha256[:min(len(sha256), hashLen)] + ".json"
}

// hashLen is the number of hex digits of a file's SHA-256 in its key.
const hashLen = 16

// FileKey returns the key of a data file: prefix is AggregatesPrefix or
// RawPrefix, sha256 the hex SHA-256 of the file's bytes.
func FileKey(prefix, dataset string, year int, sha256 string) string {
	return fmt.Sprintf("%sdataset=%s/ar=%d/part-%s.parquet", prefix, dataset, year, sha256[:hashLen])
}

// Key is a data file's key taken apart.
type Key struct {
	// Prefix is AggregatesPrefix or RawPrefix.
	Prefix string
	// Dataset is the dataset=… partition.
	Dataset string
	// Year is the ar=… partition.
	Year int
	// Hash is the first 16 hex digits of the file's SHA-256.
	Hash string
}

var keyPattern = regexp.MustCompile(`^(aggregates/|raw/)dataset=([a-z_]+)/ar=([0-9]{4})/part-([0-9a-f]{16})\.parquet$`)

// ErrBadKey means a key is not a data file key of the lake layout.
var ErrBadKey = errors.New("not a lake data file key")

// ParseKey takes a data file key apart. The reader gets each file's year from
// here, since the rows do not hold it.
func ParseKey(key string) (Key, error) {
	m := keyPattern.FindStringSubmatch(key)
	if m == nil {
		return Key{}, fmt.Errorf("%w: %q does not match {aggregates,raw}/dataset=<name>/ar=<yyyy>/part-<16 hex>.parquet", ErrBadKey, key)
	}
	year, err := strconv.Atoi(m[3])
	if err != nil {
		return Key{}, fmt.Errorf("%w: %q: year: %v", ErrBadKey, key, err)
	}
	return Key{Prefix: m[1], Dataset: m[2], Year: year, Hash: m[4]}, nil
}
