package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stockholm/insyn/internal/lake"
	"github.com/stockholm/insyn/internal/store/dirstore"
	"github.com/stockholm/insyn/internal/store/fsstore"
	"github.com/stockholm/insyn/internal/store/s3store"
)

func TestConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	c, err := configFrom(env())
	if err != nil || c != DefaultConfig() {
		t.Fatalf("no variables: %+v, %v; want the defaults %+v", c, err, DefaultConfig())
	}
	c, err = configFrom(env(EnvLake, "s3://insyn-lake/lake/", EnvThreshold, "5", EnvMaxCells, "500", EnvMaxDepth, "8",
		EnvMaxValueDepth, "3", EnvMaxQueryBytes, "4096", EnvMaxTokens, "300", EnvMaxFields, "90", EnvMaxAliases, "7", EnvMaxRepeats, "5",
		EnvMaxIntrospection, "1", EnvMaxAnswerBytes, "65536", EnvTimeout, "2s", EnvHeavyCells, "900", EnvHeavyShare, "0.5",
		EnvRefreshInterval, "0s", EnvCacheMaxAge, "1m", EnvS3Endpoint, "http://127.0.0.1:7070", EnvS3PathStyle, "true"))
	want := Config{Lake: "s3://insyn-lake/lake/", Threshold: 5, MaxCells: 500, RefreshInterval: 0,
		Limits:      Limits{QueryBytes: 4096, Tokens: 300, Depth: 8, ValueDepth: 3, Fields: 90, Aliases: 7, Repeats: 5, Introspection: 1, AnswerBytes: 65536, Timeout: 2 * time.Second, HeavyCells: 900, HeavyShare: 0.5},
		CacheMaxAge: time.Minute, S3Endpoint: "http://127.0.0.1:7070", S3PathStyle: true}
	if err != nil || c != want {
		t.Errorf("every variable set: %+v, %v; want %+v", c, err, want)
	}
	for _, bad := range []struct{ name, value, says string }{
		{EnvLake, "/srv/lake", "want embedded, dir:/path/to/lake or s3://bucket/prefix"},
		{EnvLake, "dir:", `no directory after "dir:"`},
		{EnvLake, "s3://", "not of the form s3://bucket/prefix"},
		{EnvThreshold, "four", "want a positive whole number"},
		{EnvThreshold, "1", "would publish counts of 1"},
		{EnvMaxCells, "-3", "want a positive whole number"},
		{EnvMaxDepth, "0", "want a positive whole number"},
		{EnvMaxFields, "many", "want a positive whole number"},
		{EnvMaxAnswerBytes, "-1", "want a positive whole number"},
		{EnvTimeout, "0s", "a request needs some time"},
		{EnvHeavyShare, "2", "at most 1"},
		{EnvTimeout, "10", "want a duration such as 10s"},
		{EnvRefreshInterval, "30", "want a duration such as 30s"},
		{EnvCacheMaxAge, "-1m", "want a duration such as 5m"},
		{EnvS3PathStyle, "yes please", "want true or false"},
	} {
		_, err := configFrom(env(bad.name, bad.value))
		if err == nil || !strings.Contains(err.Error(), bad.name) || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%s=%q: error %v, want it to name the variable and say %q", bad.name, bad.value, err, bad.says)
		}
	}
}

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	st, err := DefaultConfig().OpenStore(ctx)
	if _, ok := st.(*fsstore.Store); err != nil || !ok {
		t.Errorf("default lake: %T, %v; want the embedded sample (fsstore)", st, err)
	}
	if _, _, err := lake.ReadManifest(ctx, st); err != nil {
		t.Errorf("the embedded lake has no manifest: %v", err)
	}
	c := DefaultConfig()
	c.Lake = "dir:../../testdata/lake"
	st, err = c.OpenStore(ctx)
	if _, ok := st.(*dirstore.Store); err != nil || !ok {
		t.Errorf("dir: lake: %T, %v", st, err)
	}
	c.Lake = "dir:" + t.TempDir() + "/missing"
	if _, err := c.OpenStore(ctx); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("a missing directory: %v", err)
	}
	c.Lake, c.S3Endpoint, c.S3PathStyle = "s3://insyn-lake/lake", "http://127.0.0.1:1", true
	st, err = c.OpenStore(ctx)
	if _, ok := st.(*s3store.Store); err != nil || !ok {
		t.Errorf("s3:// lake: %T, %v", st, err)
	}
}
