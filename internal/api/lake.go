package api

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store"
)

// Lake serves the published lake version of a store to the handler: it
// holds the manifest, the aggregates and their marks in memory for the
// life of the warm instance, and looks for a new version with a
// conditional GET of the manifest at most once per refresh interval.
type Lake struct {
	store    store.Store
	rules    Rules
	interval time.Duration
	log      *slog.Logger
	// rollupBytes is each version's budget for roll-ups.
	rollupBytes int64

	cur     atomic.Pointer[version]
	checked atomic.Int64 // unix nanoseconds of the last look at the manifest
	// refreshing is held by the one request that looks for a new version;
	// the others go on with the current one meanwhile.
	refreshing sync.Mutex
}

// refreshTimeout bounds reading a new version during a request.
const refreshTimeout = 25 * time.Second

// LakeOptions configures OpenLake.
type LakeOptions struct {
	// Rules are the disclosure rules (threshold).
	Rules Rules
	// RefreshInterval is how long a version is served before the manifest
	// is asked again whether it changed; 0 asks on every request.
	RefreshInterval time.Duration
	// Logger receives a line for every version loaded and every failed
	// refresh. Default: slog.Default().
	Logger *slog.Logger
	// RollupBytes bounds the memory of a version's roll-ups, the cubes
	// summed ahead onto the dimensions tables group by (rollup.go):
	// DefaultRollupBytes when 0; negative keeps none.
	RollupBytes int64
}

// OpenLake reads the published version of st and prepares it for
// serving: its manifest and its disclosure pattern, checked (a version
// whose pattern is missing, or was computed under other rules or over
// another geography, is refused). Each dataset's files are read and
// checked when a request first needs them, so a cold instance answers
// its first request after reading what that request reads.
func OpenLake(ctx context.Context, st store.Store, opts LakeOptions) (*Lake, error) {
	if opts.Rules.Threshold == 0 {
		opts.Rules.Threshold = DefaultThreshold
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.RollupBytes == 0 {
		opts.RollupBytes = DefaultRollupBytes
	}
	l := &Lake{store: st, rules: opts.Rules, interval: opts.RefreshInterval, log: opts.Logger, rollupBytes: opts.RollupBytes}
	start := time.Now()
	snap, err := lake.OpenLazy(ctx, st)
	if err != nil {
		return nil, err
	}
	read := time.Since(start)
	v, err := newVersion(snap, st, l.rules, l.rollupBytes, l.log)
	if err != nil {
		return nil, err
	}
	l.cur.Store(v)
	l.checked.Store(time.Now().UnixNano())
	l.logLoaded(ctx, v, read, time.Since(start))
	return l, nil
}

// Version returns the lake version being served.
func (l *Lake) Version() string { return l.cur.Load().lakeVersion() }

// Settle waits until the roll-ups the served version's answers have
// queued so far are built (rollup.go): what an instance that has
// answered for a while has. A benchmark of warm answers times a settled
// lake; serving never waits for it.
func (l *Lake) Settle() { l.cur.Load().indexes.work.wait() }

// current returns the version a request is answered from: the one held,
// or, once the refresh interval has passed, the published one. A failed
// refresh is logged and the held version served; a request that finds
// another refreshing does not wait for it.
func (l *Lake) current(ctx context.Context) *version {
	v := l.cur.Load()
	if time.Since(time.Unix(0, l.checked.Load())) < l.interval {
		return v
	}
	if !l.refreshing.TryLock() {
		return v
	}
	defer l.refreshing.Unlock()
	v = l.cur.Load()
	if time.Since(time.Unix(0, l.checked.Load())) < l.interval {
		return v
	}
	// The refresh serves every request after this one: a client that goes
	// away must not cut it short, and API Gateway gives up after 30 s.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	start := time.Now()
	snap, err := v.snap.Refresh(ctx, l.store)
	l.checked.Store(time.Now().UnixNano())
	if err != nil {
		l.log.LogAttrs(ctx, slog.LevelError, "lake refresh failed; serving the version held",
			slog.String("version", v.lakeVersion()), slog.String("err", err.Error()))
		return v
	}
	if snap == v.snap {
		return v
	}
	var next *version
	if snap.Manifest.Version == v.lakeVersion() {
		next, err = v.withSnapshot(snap)
	} else {
		// A new version is read whole before it replaces the one
		// served, so that one with a damaged file is refused and the
		// held one served on.
		read := time.Since(start)
		next, err = newVersion(snap, l.store, l.rules, l.rollupBytes, l.log)
		if err == nil {
			err = next.load()
		}
		if err == nil {
			l.logLoaded(ctx, next, read, time.Since(start))
		}
	}
	if err != nil {
		l.log.LogAttrs(ctx, slog.LevelError, "lake refresh failed; serving the version held",
			slog.String("version", v.lakeVersion()), slog.String("err", err.Error()))
		return v
	}
	l.cur.Store(next)
	return next
}

func (l *Lake) logLoaded(ctx context.Context, v *version, read, total time.Duration) {
	l.log.LogAttrs(ctx, slog.LevelInfo, "lake version loaded",
		slog.String("version", v.lakeVersion()),
		slog.Float64("read_ms", float64(read.Microseconds())/1000),
		slog.Float64("total_ms", float64(total.Microseconds())/1000),
		slog.Int("threshold", l.rules.Threshold))
}
