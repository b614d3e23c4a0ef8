// Package ingest turns staff uploads into the next version of the lake. It
// works on one store.Store that holds the lake and the upload area side by
// side:
//
//	uploads/<dataset>/<period>/<name>     pending uploads (staff write here)
//	rejected/<same path>                  a rejected upload, byte for byte,
//	rejected/<same path>.report.json|txt  and its report (upload.Report)
//	rejected/.names/<hash>[.report.…]     the same for an upload whose name
//	                                      upload.CheckName refuses
//	processed/<version>/<same path>       an upload the version <version> holds
//	manifests/<version>.json              superseded manifests, for retention
//	manifest.json, aggregates/, raw/      the lake (internal/lake)
//
// Run never loses an upload: an upload leaves uploads/ only after its copy
// under rejected/ or processed/ is written, and its rows are published
// only as a whole new lake version switched in with a conditional write of
// manifest.json. Each upload is judged alone: a bad one, whatever its
// name, size or content, is rejected with a report and never stops the
// others. Upload names never end in .report.json or .report.txt and never
// start a folder with a dot (upload.CheckName), so no upload's copy is
// another's report and none lands under rejected/.names/ but by its hash.
// An upload the store cannot address (a backslash or a line break in an
// S3 key) or larger than upload.MaxFileBytes cannot be copied; it stays in
// uploads/ and gets its report only.
//
// A version's id names its manifest: a run publishes a manifest only with
// a new id. The id is a hash over the aggregates and the disclosure
// pattern (lake.Manifest.Version), so uploads that would change the
// microdata under raw/ and no figure at all are rejected
// (ReasonNoNewFigures) rather than published under the served id.
//
// A run stopped at any point leaves the served version whole, and running
// again completes the work: ingesting an upload the lake already holds
// publishes nothing and only files the upload away.
//
// The package knows nothing of AWS or Lambda (functions/ingest is the
// adapter); it imports no AWS package.
package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stockholm/insyn/internal/aggregate"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/dataset"
	"github.com/stockholm/insyn/internal/lake"
	v1 "github.com/stockholm/insyn/internal/lake/vparquet1"
	"github.com/stockholm/insyn/internal/protect"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/upload"
)

// Prefixes of the upload area and of the manifest history, in the lake's
// store next to the lake.
const (
	UploadsPrefix   = "uploads/"
	RejectedPrefix  = "rejected/"
	ProcessedPrefix = "processed/"
	ManifestsPrefix = "manifests/"
)

// NamesPrefix holds, under RejectedPrefix, the uploads whose names
// upload.CheckName refuses and their reports, each under the hex SHA-256
// of its key (16 digits), since the name itself may be unusable.
const NamesPrefix = RejectedPrefix + ".names/"

// ReasonNoNewFigures rejects uploads that change the lake's microdata but
// no published figure (schema/uploads.md): publishing them would change
// the manifest under the served version id.
const ReasonNoNewFigures upload.Reason = "no_new_figures"

// Defaults of Options.
const (
	DefaultKeep    = 5
	DefaultRetries = 5
)

// PatternFunc computes the disclosure pattern of a lake version's
// aggregates, whose nämnd codes are those of geo: the bytes stored under
// aggregates/_disclosure/.
type PatternFunc func(set *aggregate.Set, geo dataset.Geography, rules protect.Rules) ([]byte, error)

// Protect is the real PatternFunc: protect.ProtectLake and MarshalPatterns,
// about 5 s for the sample lake on two cores and about a minute for the
// national benchmark lake.
func Protect(set *aggregate.Set, geo dataset.Geography, rules protect.Rules) ([]byte, error) {
	l, err := protect.ProtectLake(set.Source(), geo, rules)
	if err != nil {
		return nil, fmt.Errorf("ingest: disclosure pattern: %w", err)
	}
	b, err := l.MarshalPatterns(rules)
	if err != nil {
		return nil, fmt.Errorf("ingest: disclosure pattern: %w", err)
	}
	return b, nil
}

// ProtectGauss is the fast PatternFunc, for benchmarks: on every structure
// the Gauss pass and the widening of its additive relations
// (protect.Protect), without the certificates Protect finds — not proven
// safe, so not for a lake anyone publishes; a baseline for the benchmarks
// (it once was the only pattern fast enough at national scale). The
// pattern records protect.MethodGauss.
func ProtectGauss(set *aggregate.Set, geo dataset.Geography, rules protect.Rules) ([]byte, error) {
	l, err := protect.ProtectLakeGauss(set.Source(), geo, rules)
	if err != nil {
		return nil, fmt.Errorf("ingest: disclosure pattern: %w", err)
	}
	b, err := l.MarshalPatterns(rules)
	if err != nil {
		return nil, fmt.Errorf("ingest: disclosure pattern: %w", err)
	}
	return b, nil
}

// PatternMethod returns the PatternFunc of a method: protect.MethodCertified
// (Protect, what a published lake needs) or protect.MethodGauss
// (ProtectGauss, for benchmarks).
func PatternMethod(method string) (PatternFunc, error) {
	switch method {
	case protect.MethodCertified:
		return Protect, nil
	case protect.MethodGauss:
		return ProtectGauss, nil
	}
	return nil, fmt.Errorf("pattern method %q is unknown; valid: %s (the served pattern), %s (uncertified, for benchmarks)",
		method, protect.MethodCertified, protect.MethodGauss)
}

// Options configures Run. The zero value is usable.
type Options struct {
	// Keys limits the run to these upload keys (those of an S3 event);
	// empty means every pending upload under UploadsPrefix (the daily run).
	Keys []string
	// Rules are the disclosure rules the pattern is computed with; zero
	// fields take threshold 4 and protection level 3.
	Rules protect.Rules
	// Keep is how many lake versions stay readable: the published one and
	// the Keep-1 before it. Data files no kept version lists are deleted.
	// 0 means DefaultKeep.
	Keep int
	// Retries bounds how often a publish that lost the race for
	// manifest.json is redone on the new manifest; 0 means DefaultRetries.
	Retries int
	// Created is the creation time written into the manifest. Zero takes
	// the newest modification time of the uploads ingested, so the same
	// upload objects give the same manifest. It is moved forward to one
	// second after the published manifest's if needed, so manifests are
	// ordered by creation.
	Created time.Time
	// Pattern computes the disclosure pattern; nil means Protect. Tests
	// inject a cheap one.
	Pattern PatternFunc
	// Logger receives one JSON line per step; nil discards.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Rules.Threshold == 0 {
		o.Rules.Threshold = 4
	}
	if o.Rules.ProtectionLevel == 0 {
		o.Rules.ProtectionLevel = 3
	}
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.Retries <= 0 {
		o.Retries = DefaultRetries
	}
	if o.Pattern == nil {
		o.Pattern = Protect
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Result says what a run did.
type Result struct {
	// Version is the lake version served after the run ("" for a lake
	// that still has no manifest).
	Version string
	// Published reports whether the run switched manifest.json.
	Published bool
	// Accepted are the upload keys the served version now holds, moved to
	// processed/<Version>/.
	Accepted []string
	// Rejected are the uploads moved to rejected/, with their reports.
	Rejected []*upload.Report
	// Retries counts publishes redone because another ingest published
	// first.
	Retries int
	// Deleted counts the objects retention removed.
	Deleted int
}

// accepted is one upload read without problems.
type accepted struct {
	key     string
	modTime time.Time
	file    *upload.File
}

// Run ingests the pending uploads into the lake in st; see the package
// documentation for the layout. An error means the run stopped part-way:
// nothing it did is lost or half visible, and running again completes it.
func Run(ctx context.Context, st store.Store, opts Options) (Result, error) {
	opts.defaults()
	log := opts.Logger
	var res Result
	keys, bad, err := pending(ctx, st, opts.Keys)
	if err != nil {
		return res, err
	}
	geo, err := servedGeography(ctx, st)
	if err != nil {
		return res, err
	}
	var good []accepted
	for _, name := range bad {
		rep := nameReport(name, geo)
		if err := writeReport(ctx, st, NamesPrefix+nameHash(name), rep); err != nil {
			return res, err
		}
		log.Info("upload rejected: its name cannot be read", "key", name, "reason", upload.ReasonBadName)
		res.Rejected = append(res.Rejected, rep)
	}
	for _, a := range keys {
		if a.Size > upload.MaxFileBytes {
			rep := tooLargeReport(a)
			if err := writeReport(ctx, st, rejectedKey(a.Key), rep); err != nil {
				return res, err
			}
			log.Info("upload rejected: too large to read", "key", a.Key, "bytes", a.Size)
			res.Rejected = append(res.Rejected, rep)
			continue
		}
		data, err := get(ctx, st, a.Key, upload.MaxFileBytes)
		if errors.Is(err, store.ErrNotFound) {
			// another ingest filed it away since we listed it
			continue
		}
		if err != nil {
			return res, fmt.Errorf("ingest: read upload: %w", err)
		}
		f, err := upload.ReadIn(a.Key, data, geo)
		if rep, ok := upload.AsReport(err); ok {
			if err := reject(ctx, st, a.Key, data, rep); err != nil {
				return res, err
			}
			log.Info("upload rejected", "key", a.Key, "problems", len(rep.Problems)+rep.More)
			res.Rejected = append(res.Rejected, rep)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("ingest: %s: %w", a.Key, err)
		}
		if rep := checkPersons(a.Key, f); rep != nil {
			if err := reject(ctx, st, a.Key, data, rep); err != nil {
				return res, err
			}
			res.Rejected = append(res.Rejected, rep)
			continue
		}
		good = append(good, accepted{key: a.Key, modTime: a.ModTime, file: f})
	}
	// Later uploads replace earlier ones of the same period.
	slices.SortStableFunc(good, func(a, b accepted) int {
		if c := a.modTime.Compare(b.modTime); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})

	for attempt := 0; ; attempt++ {
		version, published, err := publish(ctx, st, good, geo, opts)
		var nf *noNewFigures
		if errors.As(err, &nf) {
			// Reject the uploads whose microdata differ from the served
			// ones and publish the rest, which the lake may already hold.
			var keep []accepted
			for _, a := range good {
				if !nf.changed[a.key] {
					keep = append(keep, a)
					continue
				}
				data, err := get(ctx, st, a.key, upload.MaxFileBytes)
				if errors.Is(err, store.ErrNotFound) {
					continue // another ingest filed it away
				}
				if err != nil {
					return res, fmt.Errorf("ingest: read upload: %w", err)
				}
				rep := noNewFiguresReport(a)
				if err := reject(ctx, st, a.key, data, rep); err != nil {
					return res, err
				}
				log.Info("upload rejected: it changes no figure", "key", a.key)
				res.Rejected = append(res.Rejected, rep)
			}
			good = keep
			attempt--
			continue
		}
		if errors.Is(err, store.ErrPreconditionFailed) && attempt < opts.Retries {
			log.Info("another ingest published first; redoing on its version", "attempt", attempt+1)
			res.Retries++
			continue
		}
		if err != nil {
			return res, err
		}
		res.Version, res.Published = version, published
		break
	}
	if res.Published {
		log.Info("published", "version", res.Version, "uploads", len(good))
	}
	for _, a := range good {
		if err := move(ctx, st, a.key, ProcessedPrefix+res.Version+"/"+strings.TrimPrefix(a.key, UploadsPrefix)); err != nil {
			return res, err
		}
		res.Accepted = append(res.Accepted, a.key)
	}
	if res.Version != "" {
		n, err := retain(ctx, st, opts.Keep)
		res.Deleted = n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// servedGeography is the geography of the served version's nämnd codes,
// which uploads must use: Stockholm's for a lake with no version yet.
func servedGeography(ctx context.Context, st store.Store) (dataset.Geography, error) {
	m, _, err := lake.ReadManifest(ctx, st)
	if errors.Is(err, store.ErrNotFound) {
		return dataset.Stockholm, nil
	}
	if err != nil {
		return dataset.Geography{}, fmt.Errorf("ingest: read the served version: %w", err)
	}
	return dataset.LookupGeography(m.Geography)
}

// pending lists the uploads to ingest, sorted by key: keys under
// UploadsPrefix, all of them or those asked for. It returns apart the keys
// whose names the store cannot address (a file named with a backslash or
// a line break in a directory store, or such a key an S3 event names):
// they cannot be read, moved or deleted, only reported.
func pending(ctx context.Context, st store.Store, only []string) (ok []store.Attrs, bad []string, err error) {
	all, err := st.List(ctx, UploadsPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: list uploads: %w", err)
	}
	listed := map[string]bool{}
	for _, a := range all {
		listed[a.Key] = true
		if len(only) > 0 && !slices.Contains(only, a.Key) {
			continue
		}
		if store.ValidateKey(a.Key) != nil {
			bad = append(bad, a.Key)
			continue
		}
		ok = append(ok, a)
	}
	// A store may leave keys it cannot address out of its listing (S3
	// does); an event that names one still gets it a report.
	for _, k := range only {
		if !listed[k] && strings.HasPrefix(k, UploadsPrefix) && store.ValidateKey(k) != nil {
			bad = append(bad, k)
		}
	}
	return ok, bad, nil
}

// rejectedKey is where a rejected upload is filed: under RejectedPrefix
// with its path, or, when upload.CheckName refuses its name, under
// NamesPrefix by its hash.
func rejectedKey(key string) string {
	if upload.CheckName(key) != nil {
		return NamesPrefix + nameHash(key)
	}
	return RejectedPrefix + strings.TrimPrefix(key, UploadsPrefix)
}

func nameHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// nameReport is the report of an upload whose key cannot be read.
func nameReport(key string, geo dataset.Geography) *upload.Report {
	_, err := upload.ReadIn(key, nil, geo)
	if rep, ok := upload.AsReport(err); ok {
		rep.Problems[0].Message += "; insyn cannot read, move or delete a file with this name, so it stays in the upload area until it is removed"
		return rep
	}
	return problemReport(key, upload.ReasonBadName, "the store cannot address this name; rename the file and upload it again")
}

func tooLargeReport(a store.Attrs) *upload.Report {
	return problemReport(a.Key, upload.ReasonTooLarge, fmt.Sprintf("the file has %d MiB; the limit is %d MiB (MaxFileBytes): split it by period; it stays in the upload area until it is removed",
		a.Size>>20, upload.MaxFileBytes>>20))
}

func noNewFiguresReport(a accepted) *upload.Report {
	rep := problemReport(a.key, ReasonNoNewFigures, "the file changes the microdata insyn keeps (such as person ids or dates) but no figure it publishes; "+
		"a lake version is named by its figures, so this alone cannot be published: upload it together with the file that changes figures, or leave the lake as it is")
	rep.Dataset, rep.Period, rep.Dialect, rep.Rows = a.file.Dataset, a.file.Period.String(), a.file.Dialect, a.file.Len()
	return rep
}

func problemReport(key string, reason upload.Reason, msg string) *upload.Report {
	return &upload.Report{File: key, Counts: map[upload.Reason]int{reason: 1},
		Problems: []upload.Problem{{Reason: reason, Message: msg}}}
}

// checkPersons runs the per-person checks of aggregate.Build on a file of
// insatser (the only dataset whose aggregation can refuse rows), so a file
// that fails them is rejected like any bad file rather than stopping the
// run. upload.Read checks the same, so this is a second line.
func checkPersons(key string, f *upload.File) *upload.Report {
	if f.Dataset != upload.Insatser {
		return nil
	}
	if _, _, err := aggregate.Insatser(f.Insatser); err != nil {
		return &upload.Report{File: key, Dataset: f.Dataset, Period: f.Period.String(), Dialect: f.Dialect,
			Rows: f.Len(), Counts: map[upload.Reason]int{upload.ReasonContradiction: 1},
			Problems: []upload.Problem{{Reason: upload.ReasonContradiction, Message: err.Error()}}}
	}
	return nil
}

// reject files an upload away with its report (see rejectedKey), and
// removes it from the upload area only once all three are written.
func reject(ctx context.Context, st store.Store, key string, data []byte, rep *upload.Report) error {
	dst := rejectedKey(key)
	if _, err := st.Put(ctx, dst, data, store.PutOptions{ContentType: "application/octet-stream"}); err != nil {
		return fmt.Errorf("ingest: reject %s: %w", key, err)
	}
	if err := writeReport(ctx, st, dst, rep); err != nil {
		return err
	}
	if err := st.Delete(ctx, key); err != nil {
		return fmt.Errorf("ingest: reject %s: %w", key, err)
	}
	return nil
}

// writeReport writes rep as dst.report.json and dst.report.txt.
func writeReport(ctx context.Context, st store.Store, dst string, rep *upload.Report) error {
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("ingest: report of %s: %w", dst, err)
	}
	for _, o := range []struct {
		key, typ string
		body     []byte
	}{
		{dst + ".report.json", "application/json", append(js, '\n')},
		{dst + ".report.txt", "text/plain; charset=utf-8", []byte(rep.String())},
	} {
		if _, err := st.Put(ctx, o.key, o.body, store.PutOptions{ContentType: o.typ}); err != nil {
			return fmt.Errorf("ingest: report of %s: %w", dst, err)
		}
	}
	return nil
}

// move copies an upload to dst and then deletes it; an upload already gone
// (filed away by a concurrent ingest) is fine.
func move(ctx context.Context, st store.Store, key, dst string) error {
	data, err := get(ctx, st, key, upload.MaxFileBytes)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ingest: file away %s: %w", key, err)
	}
	if _, err := st.Put(ctx, dst, data, store.PutOptions{}); err != nil {
		return fmt.Errorf("ingest: file away %s: %w", key, err)
	}
	if err := st.Delete(ctx, key); err != nil {
		return fmt.Errorf("ingest: file away %s: %w", key, err)
	}
	return nil
}

// publish builds the next version from the published one and the accepted
// uploads and switches to it. It returns the served version and whether it
// changed; an error wrapping store.ErrPreconditionFailed means another
// writer switched first.
func publish(ctx context.Context, st store.Store, good []accepted, geo dataset.Geography, opts Options) (string, bool, error) {
	cur, err := lake.Open(ctx, st)
	empty := errors.Is(err, store.ErrNotFound)
	if err != nil && !empty {
		return "", false, fmt.Errorf("ingest: read the served version: %w", err)
	}
	if !empty {
		// Lakes keep their geography; one that changed under this run
		// means the uploads were checked against the wrong codes.
		if g, err := dataset.LookupGeography(cur.Manifest.Geography); err != nil || g.Name != geo.Name {
			return "", false, fmt.Errorf("ingest: the served version %s names geography %q, but the uploads were checked against %s; run again",
				cur.Manifest.Version, cur.Manifest.Geography, geo.Name)
		}
	}
	if len(good) == 0 {
		if empty {
			return "", false, nil
		}
		return cur.Manifest.Version, false, nil
	}
	m := &aggregate.Microdata{Insatser: map[int][]v1.Insats{}, Beslut: map[int][]v1.Beslut{},
		EjVerkstallda: map[int][]v1.EjVerkstallt{}, KBF: map[int][]v1.KBF{}}
	ext := &aggregate.External{Lov: map[int][]v1.LovCell{}, Befolkning: map[int][]v1.BefolkningCell{}, SFB: map[int][]v1.SFBCell{}}
	etag := ""
	if !empty {
		if m, err = lake.ReadRaw(ctx, st, cur.Manifest); err != nil {
			return "", false, fmt.Errorf("ingest: read the served microdata: %w", err)
		}
		// Cloned: replace must not change the served set.
		ext = &aggregate.External{Lov: cloneMap(cur.Set.Lov), Befolkning: cloneMap(cur.Set.Befolkning), SFB: cloneMap(cur.Set.SFB)}
		etag = cur.ETag
	}
	for _, a := range good {
		replace(m, ext, a.file)
	}
	set, err := aggregate.Build(m, ext)
	if err != nil {
		return "", false, fmt.Errorf("ingest: aggregate: %w", err)
	}
	created := opts.Created
	if created.IsZero() {
		for _, a := range good {
			if a.modTime.After(created) {
				created = a.modTime
			}
		}
	}
	if !empty && !created.After(cur.Manifest.Created) {
		created = cur.Manifest.Created.Add(time.Second)
	}
	v, err := lake.Encode(m, set, created)
	if err != nil {
		return "", false, fmt.Errorf("ingest: encode: %w", err)
	}
	if !empty && cur.Manifest.Disclosure != nil && sameContent(cur.Manifest, v.Manifest) {
		// The lake already holds exactly these rows (an upload seen
		// twice, or a rerun after a publish): nothing to switch, and no
		// pattern to compute.
		return cur.Manifest.Version, false, nil
	}
	if err := v.SetGeography(geo); err != nil {
		return "", false, err
	}
	pattern, err := opts.Pattern(set, geo, opts.Rules)
	if err != nil {
		return "", false, err
	}
	if err := v.SetDisclosure(pattern); err != nil {
		return "", false, err
	}
	if err := api.StoreReports(ctx, v); err != nil {
		return "", false, err
	}
	if !empty && v.Manifest.Version == cur.Manifest.Version {
		return "", false, changedRaw(cur.Manifest, v.Manifest, good)
	}
	if !empty {
		// Retention needs the superseded manifest; write it before the
		// switch so no published version is ever unaccounted for.
		b, err := cur.Manifest.Marshal()
		if err != nil {
			return "", false, err
		}
		if _, err := st.Put(ctx, ManifestsPrefix+cur.Manifest.Version+".json", b, store.PutOptions{ContentType: "application/json"}); err != nil {
			return "", false, fmt.Errorf("ingest: keep manifest %s: %w", cur.Manifest.Version, err)
		}
	}
	if _, err := lake.Publish(ctx, st, v, etag); err != nil {
		return "", false, fmt.Errorf("ingest: %w", err)
	}
	return v.Manifest.Version, true, nil
}

// noNewFigures is publish's answer when the version it built has the
// served version's id but another manifest: changed holds the uploads
// whose microdata differ from the served ones.
type noNewFigures struct{ changed map[string]bool }

func (e *noNewFigures) Error() string {
	return fmt.Sprintf("ingest: %d uploads change the microdata but no figure", len(e.changed))
}

// changedRaw names the uploads whose period's microdata file differs
// between the served manifest and the new one (all of them, should none
// differ by its period).
func changedRaw(cur, next *lake.Manifest, good []accepted) error {
	rawOf := func(m *lake.Manifest, d upload.Dataset, year int) string {
		if ds := m.Datasets[string(d)]; ds != nil {
			for _, f := range ds.Raw {
				if f.Ar == year {
					return f.SHA256
				}
			}
		}
		return ""
	}
	e := &noNewFigures{changed: map[string]bool{}}
	for _, a := range good {
		d, y := a.file.Dataset, a.file.Period.Year
		if rawOf(cur, d, y) != rawOf(next, d, y) {
			e.changed[a.key] = true
		}
	}
	if len(e.changed) == 0 {
		for _, a := range good {
			e.changed[a.key] = true
		}
	}
	return e
}

// sameContent reports whether two manifests list the same aggregate and
// raw files (their creation times and disclosure patterns aside).
func sameContent(a, b *lake.Manifest) bool {
	if len(a.Datasets) != len(b.Datasets) {
		return false
	}
	for name, da := range a.Datasets {
		db := b.Datasets[name]
		if db == nil || !slices.Equal(da.Files, db.Files) || !slices.Equal(da.Raw, db.Raw) {
			return false
		}
	}
	return true
}

// replace puts the rows of f in place of its period's rows in m (or, for
// an aggregate, its cells in e): a year file replaces the whole year, a
// quarter file (ej_verkstallda) that quarter of the year.
func replace(m *aggregate.Microdata, e *aggregate.External, f *upload.File) {
	y := f.Period.Year
	switch f.Dataset {
	case upload.Lov:
		e.Lov[y] = slices.Clone(f.Lov)
	case upload.Befolkning:
		e.Befolkning[y] = slices.Clone(f.Befolkning)
	case upload.SFB:
		e.SFB[y] = slices.Clone(f.SFB)
	case upload.Insatser:
		m.Insatser[y] = slices.Clone(f.Insatser)
	case upload.Beslut:
		m.Beslut[y] = slices.Clone(f.Beslut)
	case upload.KBF:
		m.KBF[y] = slices.Clone(f.KBF)
	case upload.EjVerkstallda:
		if f.Period.Quarter == 0 {
			m.EjVerkstallda[y] = slices.Clone(f.EjVerkstallda)
			return
		}
		kept := slices.DeleteFunc(slices.Clone(m.EjVerkstallda[y]), func(r v1.EjVerkstallt) bool {
			return int(r.Kvartal) == f.Period.Quarter
		})
		m.EjVerkstallda[y] = append(kept, f.EjVerkstallda...)
	}
}

// cloneMap copies a map of cells by year (the slices stay shared: replace
// swaps whole years, never edits a cell). A nil map gives an empty one.
func cloneMap[T any](m map[int][]T) map[int][]T {
	out := make(map[int][]T, len(m))
	maps.Copy(out, m)
	return out
}

// retain keeps the served version and the keep-1 newest superseded ones
// (by their manifests' creation time) and deletes the data files only
// older versions list, then those versions' manifest copies. Files no
// manifest lists are never touched: they may belong to a version another
// ingest is publishing.
func retain(ctx context.Context, st store.Store, keep int) (int, error) {
	cur, _, err := lake.ReadManifest(ctx, st)
	if err != nil {
		return 0, fmt.Errorf("ingest: retention: %w", err)
	}
	copies, err := st.List(ctx, ManifestsPrefix)
	if err != nil {
		return 0, fmt.Errorf("ingest: retention: %w", err)
	}
	type old struct {
		key string
		m   *lake.Manifest
	}
	var olds []old
	for _, c := range copies {
		data, err := get(ctx, st, c.Key, maxManifestBytes)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("ingest: retention: %w", err)
		}
		m, err := lake.ParseManifest(data)
		if err != nil {
			return 0, fmt.Errorf("ingest: retention: %s: %w", c.Key, err)
		}
		if m.Version == cur.Version {
			continue
		}
		olds = append(olds, old{c.Key, m})
	}
	slices.SortFunc(olds, func(a, b old) int {
		if c := b.m.Created.Compare(a.m.Created); c != 0 {
			return c
		}
		return strings.Compare(b.m.Version, a.m.Version)
	})
	if len(olds) <= keep-1 {
		return 0, nil
	}
	kept := map[string]bool{}
	for _, k := range filesOf(cur) {
		kept[k] = true
	}
	for _, o := range olds[:keep-1] {
		for _, k := range filesOf(o.m) {
			kept[k] = true
		}
	}
	deleted := 0
	for _, o := range olds[keep-1:] {
		for _, k := range filesOf(o.m) {
			if kept[k] {
				continue
			}
			if err := st.Delete(ctx, k); err != nil {
				return deleted, fmt.Errorf("ingest: retention: %w", err)
			}
			kept[k] = true // deleted once is enough
			deleted++
		}
		// The copy goes last: a run stopped before it finds the version
		// again and finishes deleting its files.
		if err := st.Delete(ctx, o.key); err != nil {
			return deleted, fmt.Errorf("ingest: retention: %w", err)
		}
		deleted++
	}
	return deleted, nil
}

// filesOf lists every object a manifest names: aggregate and raw files and
// the disclosure pattern.
func filesOf(m *lake.Manifest) []string {
	var keys []string
	for _, d := range m.Datasets {
		for _, f := range d.Files {
			keys = append(keys, f.Key)
		}
		for _, f := range d.Raw {
			keys = append(keys, f.Key)
		}
	}
	if m.Disclosure != nil {
		keys = append(keys, m.Disclosure.Key)
	}
	slices.Sort(keys)
	return keys
}

// maxManifestBytes bounds a manifest copy read by retention.
const maxManifestBytes = 64 << 20

// get reads the object at key, at most limit bytes of it.
func get(ctx context.Context, st store.Store, key string, limit int64) ([]byte, error) {
	rc, _, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	n, err := io.Copy(&b, io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if n > limit {
		return nil, fmt.Errorf("read %s: more than %d bytes", key, limit)
	}
	return b.Bytes(), nil
}
