// Package vparquet1 is version 1 of insyn's lake format: what is on disk, as
// Go structs with parquet tags. Low-cardinality strings are dictionary
// encoded, integers delta encoded. The year ("ar") is the Hive partition
// column: it is part of the object key (dataset=…/ar=2024/…), not of the rows.
//
// A change to any struct here is a new format version (vparquet2), so files
// written by an older version stay readable; the manifest names the version.
package vparquet1

// Version is the format version written into manifest.json.
const Version = "vparquet1"

// Raw microdata: personal data, stored under the restricted raw/ prefix and
// read only by the ingest function.

// Insats is one verkställt beslut (executed decision) on the measurement
// date of the year.
type Insats struct {
	PersonID   string   `parquet:"person_id"`
	Matdatum   int32    `parquet:"matdatum,date"`
	Namnd      string   `parquet:"namnd,dict"`
	Lagrum     string   `parquet:"lagrum,dict"`
	Insats     string   `parquet:"insats,dict"`
	Kon        string   `parquet:"kon,dict"`
	Alder      int32    `parquet:"alder,delta"`
	Regi       string   `parquet:"regi,dict"`
	Boendeform string   `parquet:"boendeform,dict"`
	Timmar     *float64 `parquet:"timmar_per_manad,optional"`
}

// Beslut is one decision on an application for ledsagning/ledsagarservice or
// kontaktperson.
type Beslut struct {
	PersonID             string `parquet:"person_id"`
	Beslutsdatum         int32  `parquet:"beslutsdatum,date"`
	Namnd                string `parquet:"namnd,dict"`
	Lagrum               string `parquet:"lagrum,dict"`
	Insats               string `parquet:"insats,dict"`
	Kon                  string `parquet:"kon,dict"`
	Funktionsnedsattning string `parquet:"funktionsnedsattning,dict"`
	Utfall               string `parquet:"utfall,dict"`
	Dom                  bool   `parquet:"dom"`
	DomMotStaden         bool   `parquet:"dom_mot_staden"`
}

// EjVerkstallt is one decision reported to IVO as not executed within three
// months, in the report of one quarter.
type EjVerkstallt struct {
	PersonID     string `parquet:"person_id"`
	Kvartal      int32  `parquet:"kvartal,delta"`
	Namnd        string `parquet:"namnd,dict"`
	Lagrum       string `parquet:"lagrum,dict"`
	Insats       string `parquet:"insats,dict"`
	Orsak        string `parquet:"orsak,dict"`
	Kon          string `parquet:"kon,dict"`
	Beslutsdatum int32  `parquet:"beslutsdatum,date"`
	Status       string `parquet:"status,dict"`
}

// KBF is one recipient-year of kommunalt bostadsbidrag.
type KBF struct {
	PersonID string `parquet:"person_id"`
	Namnd    string `parquet:"namnd,dict"`
	Kon      string `parquet:"kon,dict"`
	BeloppKr int64  `parquet:"belopp_kr,delta"`
}

// Aggregates: no personal data; the API reads only these (and the manifest).

// InsatsCell is one cell of the finest cross-tabulation of insatser.
// Because a person holds at most one decision per insats, AntalBeslut is also
// the number of persons for a single insats.
type InsatsCell struct {
	Namnd       string  `parquet:"namnd,dict"`
	Lagrum      string  `parquet:"lagrum,dict"`
	Insats      string  `parquet:"insats,dict"`
	Kon         string  `parquet:"kon,dict"`
	Aldersgrupp string  `parquet:"aldersgrupp,dict"`
	Regi        string  `parquet:"regi,dict"`
	Boendeform  string  `parquet:"boendeform,dict"`
	AntalBeslut int64   `parquet:"antal_beslut,delta"`
	TimmarAntal int64   `parquet:"timmar_antal,delta"`
	TimmarSumma float64 `parquet:"timmar_summa"`
}

// PersonCell counts distinct persons by the laws of their decisions: a
// linked table of its own, since persons are not a sum over insatser.
type PersonCell struct {
	Namnd         string `parquet:"namnd,dict"`
	Kon           string `parquet:"kon,dict"`
	Aldersgrupp   string `parquet:"aldersgrupp,dict"`
	Lagrumsgrupp  string `parquet:"lagrumsgrupp,dict"`
	AntalPersoner int64  `parquet:"antal_personer,delta"`
}

// BeslutCell is one cell of the cross-tabulation of decisions.
type BeslutCell struct {
	Namnd                string `parquet:"namnd,dict"`
	Lagrum               string `parquet:"lagrum,dict"`
	Insats               string `parquet:"insats,dict"`
	Kon                  string `parquet:"kon,dict"`
	Funktionsnedsattning string `parquet:"funktionsnedsattning,dict"`
	Utfall               string `parquet:"utfall,dict"`
	AntalBeslut          int64  `parquet:"antal_beslut,delta"`
	AntalDomar           int64  `parquet:"antal_domar,delta"`
	AntalDomarMotStaden  int64  `parquet:"antal_domar_mot_staden,delta"`
}

// EjVerkstalltCell is one cell of the cross-tabulation of reported decisions.
type EjVerkstalltCell struct {
	Kvartal     int32  `parquet:"kvartal,delta"`
	Namnd       string `parquet:"namnd,dict"`
	Lagrum      string `parquet:"lagrum,dict"`
	Insats      string `parquet:"insats,dict"`
	Orsak       string `parquet:"orsak,dict"`
	Kon         string `parquet:"kon,dict"`
	Status      string `parquet:"status,dict"`
	AntalBeslut int64  `parquet:"antal_beslut,delta"`
}

// KBFCell is the number of KBF recipients and their amounts.
type KBFCell struct {
	Namnd         string `parquet:"namnd,dict"`
	Kon           string `parquet:"kon,dict"`
	AntalPersoner int64  `parquet:"antal_personer,delta"`
	BeloppKr      int64  `parquet:"belopp_kr,delta"`
}

// LovCell is the number of providers with a LOV contract (an aggregate as
// delivered; no microdata exist).
type LovCell struct {
	Insats            string `parquet:"insats,dict"`
	AntalVerksamheter int64  `parquet:"antal_verksamheter,delta"`
}

// BefolkningCell is the number of inhabitants of a district (SCB), the
// denominator of rates per 10 000 invånare.
type BefolkningCell struct {
	Namnd         string `parquet:"namnd,dict"`
	AntalInvanare int64  `parquet:"antal_invanare,delta"`
}

// SFBCell is the number of persons with assistansersättning under SFB
// (Försäkringskassan, December of the year), an external aggregate.
type SFBCell struct {
	Kon           string `parquet:"kon,dict"`
	AntalPersoner int64  `parquet:"antal_personer,delta"`
}
