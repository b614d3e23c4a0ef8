package api

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/store"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/store/s3store"
)

// Environment variables read by ConfigFromEnv (serve.FromEnv reads the
// transport's: INSYN_LISTEN, INSYN_CORS_ORIGINS, INSYN_MAX_REQUEST_BYTES,
// INSYN_GZIP_MIN_BYTES).
const (
	EnvLake             = "INSYN_LAKE"
	EnvThreshold        = "INSYN_THRESHOLD"
	EnvMaxCells         = "INSYN_MAX_CELLS"
	EnvMaxDepth         = "INSYN_MAX_DEPTH"
	EnvMaxValueDepth    = "INSYN_MAX_VALUE_DEPTH"
	EnvMaxQueryBytes    = "INSYN_MAX_QUERY_BYTES"
	EnvMaxTokens        = "INSYN_MAX_TOKENS"
	EnvMaxFields        = "INSYN_MAX_FIELDS"
	EnvMaxAliases       = "INSYN_MAX_ALIASES"
	EnvMaxRepeats       = "INSYN_MAX_REPEATS"
	EnvMaxIntrospection = "INSYN_MAX_INTROSPECTION"
	EnvMaxAnswerBytes   = "INSYN_MAX_ANSWER_BYTES"
	EnvHeavyCells       = "INSYN_HEAVY_CELLS"
	EnvHeavyShare       = "INSYN_HEAVY_SHARE"
	EnvTimeout          = "INSYN_TIMEOUT"
	EnvRefreshInterval  = "INSYN_REFRESH_INTERVAL"
	EnvCacheMaxAge      = "INSYN_CACHE_MAX_AGE"
	EnvS3Endpoint       = "INSYN_S3_ENDPOINT"
	EnvS3PathStyle      = "INSYN_S3_PATH_STYLE"
)

// Defaults of Config.
const (
	// DefaultLake is the sample lake embedded in the binary.
	DefaultLake = "embedded"
	// DefaultThreshold is the reports' rule: counts under 4 are not shown.
	DefaultThreshold = 4
	// DefaultMaxCells bounds the cells of one request: the largest seed
	// table has 117, all 29 together 1 567; graphql-go is slow and
	// memory-hungry on long lists.
	DefaultMaxCells = 10000
	// DefaultRefreshInterval is how long a warm instance serves a version
	// before it asks whether the manifest changed.
	DefaultRefreshInterval = 30 * time.Second
	// DefaultCacheMaxAge is the Cache-Control max-age of successful GETs.
	DefaultCacheMaxAge = 5 * time.Minute
)

// Config is the API's configuration.
type Config struct {
	// Lake says where the lake is: "embedded" (the sample lake inside the
	// binary), "dir:/path/to/lake" (a directory), or "s3://bucket/prefix".
	Lake string
	// Threshold: counts 1..Threshold-1 are suppressed.
	Threshold int
	// MaxCells bounds the cells of tables and reports in one request.
	MaxCells int
	// Limits bounds what one request may ask (guard.go).
	Limits Limits
	// RefreshInterval: how often the manifest is asked whether it
	// changed; 0 asks on every request.
	RefreshInterval time.Duration
	// CacheMaxAge is the max-age of Cache-Control on successful GETs.
	CacheMaxAge time.Duration
	// S3Endpoint, when set, is the S3 endpoint URL (otherwise the SDK's
	// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS).
	S3Endpoint string
	// S3PathStyle addresses the bucket in the path, as S3-compatible
	// servers other than AWS need.
	S3PathStyle bool
}

// DefaultConfig returns the configuration with every default.
func DefaultConfig() Config {
	return Config{
		Lake: DefaultLake, Threshold: DefaultThreshold, MaxCells: DefaultMaxCells, Limits: Limits{}.withDefaults(),
		RefreshInterval: DefaultRefreshInterval, CacheMaxAge: DefaultCacheMaxAge,
	}
}

// ConfigFromEnv reads the configuration from the INSYN_* variables; unset
// or empty ones keep their default. An invalid value is an error naming
// the variable, the value and what is expected.
func ConfigFromEnv() (Config, error) { return configFrom(os.LookupEnv) }

func configFrom(lookup func(string) (string, bool)) (Config, error) {
	c := DefaultConfig()
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	if v := get(EnvLake); v != "" {
		if err := checkLake(v); err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", EnvLake, v, err)
		}
		c.Lake = v
	}
	positive := func(name string, dst *int, example string) error {
		v := get(name)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s=%q: want a positive whole number, such as %s", name, v, example)
		}
		*dst = n
		return nil
	}
	if err := positive(EnvThreshold, &c.Threshold, "4"); err != nil {
		return Config{}, err
	}
	if c.Threshold < 2 {
		return Config{}, fmt.Errorf("%s=%d: a threshold under 2 would publish counts of 1", EnvThreshold, c.Threshold)
	}
	if err := positive(EnvMaxCells, &c.MaxCells, "10000"); err != nil {
		return Config{}, err
	}
	for _, l := range []struct {
		env     string
		dst     *int
		example string
	}{
		{EnvMaxQueryBytes, &c.Limits.QueryBytes, "16384"},
		{EnvMaxTokens, &c.Limits.Tokens, "2000"},
		{EnvMaxDepth, &c.Limits.Depth, "15"},
		{EnvMaxValueDepth, &c.Limits.ValueDepth, "8"},
		{EnvMaxFields, &c.Limits.Fields, "500"},
		{EnvMaxAliases, &c.Limits.Aliases, "64"},
		{EnvMaxRepeats, &c.Limits.Repeats, "16"},
		{EnvMaxIntrospection, &c.Limits.Introspection, "2"},
		{EnvMaxAnswerBytes, &c.Limits.AnswerBytes, "8388608"},
		{EnvHeavyCells, &c.Limits.HeavyCells, "2000"},
	} {
		if err := positive(l.env, l.dst, l.example); err != nil {
			return Config{}, err
		}
	}
	duration := func(name string, dst *time.Duration, example string) error {
		v := get(name)
		if v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%s=%q: want a duration such as %s", name, v, example)
		}
		*dst = d
		return nil
	}
	if err := duration(EnvRefreshInterval, &c.RefreshInterval, "30s (0s: on every request)"); err != nil {
		return Config{}, err
	}
	if err := duration(EnvCacheMaxAge, &c.CacheMaxAge, "5m"); err != nil {
		return Config{}, err
	}
	if v := get(EnvHeavyShare); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return Config{}, fmt.Errorf("%s=%q: want a share of one core above 0 and at most 1, such as 0.15", EnvHeavyShare, v)
		}
		c.Limits.HeavyShare = f
	}
	if err := duration(EnvTimeout, &c.Limits.Timeout, "10s"); err != nil {
		return Config{}, err
	}
	if c.Limits.Timeout == 0 {
		return Config{}, fmt.Errorf("%s=0s: a request needs some time; want a duration such as 10s", EnvTimeout)
	}
	c.S3Endpoint = get(EnvS3Endpoint)
	if v := get(EnvS3PathStyle); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s=%q: want true or false", EnvS3PathStyle, v)
		}
		c.S3PathStyle = b
	}
	return c, nil
}

// checkLake accepts the three forms of a lake location.
func checkLake(v string) error {
	switch {
	case v == DefaultLake:
		return nil
	case strings.HasPrefix(v, "dir:"):
		if strings.TrimPrefix(v, "dir:") == "" {
			return fmt.Errorf("no directory after %q", "dir:")
		}
		return nil
	case strings.HasPrefix(v, "s3://"):
		_, err := s3store.ParseURL(v)
		return err
	}
	return fmt.Errorf("want %s, dir:/path/to/lake or s3://bucket/prefix", DefaultLake)
}

// OpenStore returns the store the lake is in. The API only reads it.
func (c Config) OpenStore(ctx context.Context) (store.Store, error) {
	switch {
	case c.Lake == "" || c.Lake == DefaultLake:
		return fsstore.New(insyn.SampleLake()), nil
	case strings.HasPrefix(c.Lake, "dir:"):
		dir := strings.TrimPrefix(c.Lake, "dir:")
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s=%q: %s is not a directory", EnvLake, c.Lake, dir)
		}
		return dirstore.New(dir)
	}
	cfg, err := s3store.ParseURL(c.Lake)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", EnvLake, c.Lake, err)
	}
	cfg.Endpoint = c.S3Endpoint
	cfg.PathStyle = c.S3PathStyle
	return s3store.New(ctx, cfg)
}
