// Command api is insyn's GraphQL API, with GraphiQL at /graphiql to explore
// it. The one binary serves HTTP on a local port, or, run by AWS Lambda
// (provided.al2023, as "bootstrap"), answers API Gateway HTTP API events. It
// only reads the configuration, opens the lake and starts; the logic lives
// in internal/api, internal/explorer and internal/serve.
//
// Configuration (environment; see README.md "API"):
//
//	INSYN_LAKE              embedded (default: the sample lake inside the
//	                        binary), dir:/path/to/lake, or s3://bucket/prefix
//	INSYN_S3_ENDPOINT       S3 endpoint URL for S3-compatible servers
//	                        (AWS_ENDPOINT_URL_S3 works too)
//	INSYN_S3_PATH_STYLE     true to address the bucket in the path
//	INSYN_THRESHOLD         counts under it are suppressed (default 4)
//	INSYN_REFRESH_INTERVAL  how often the manifest is checked (default 30s)
//	INSYN_MAX_CELLS         cells per request (default 10000)
//	INSYN_MAX_DEPTH, INSYN_MAX_VALUE_DEPTH, INSYN_MAX_QUERY_BYTES,
//	INSYN_MAX_TOKENS, INSYN_MAX_FIELDS, INSYN_MAX_ALIASES, INSYN_MAX_REPEATS,
//	INSYN_MAX_INTROSPECTION, INSYN_MAX_ANSWER_BYTES, INSYN_TIMEOUT,
//	INSYN_HEAVY_CELLS, INSYN_HEAVY_SHARE
//	                        what one request may ask (internal/api Limits)
//	INSYN_CACHE_MAX_AGE     Cache-Control max-age of GETs (default 5m)
//	INSYN_LISTEN            local address (default 127.0.0.1:8080)
//	INSYN_CORS_ORIGINS, INSYN_MAX_REQUEST_BYTES, INSYN_GZIP_MIN_BYTES
//	                        see internal/serve
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/explorer"
	"github.com/stockholm/insyn/internal/serve"
	"github.com/stockholm/insyn/internal/viewer"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(context.Background(), log); err != nil {
		log.Error("api: cannot start", "err", err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	opts, err := serve.FromEnv()
	if err != nil {
		return err
	}
	opts.Logger = log
	cfg, err := api.ConfigFromEnv()
	if err != nil {
		return err
	}
	st, err := cfg.OpenStore(ctx)
	if err != nil {
		return err
	}
	log.Info("opening the lake", "lake", cfg.Lake, "threshold", cfg.Threshold, "refresh_interval", cfg.RefreshInterval.String())
	lake, err := api.OpenLake(ctx, st, api.LakeOptions{
		Rules:           api.Rules{Threshold: cfg.Threshold},
		RefreshInterval: cfg.RefreshInterval,
		Logger:          log,
	})
	if err != nil {
		return err
	}
	h, err := api.NewHandler(lake, api.HandlerOptions{
		MaxCells: cfg.MaxCells, Limits: cfg.Limits, CacheMaxAge: cfg.CacheMaxAge, Logger: log,
	})
	if err != nil {
		return err
	}
	// The table viewer (/tabell) and the explorer (GraphiQL at /graphiql)
	// in front; every other request goes to the API.
	return serve.Run(ctx, viewer.Handler(explorer.Handler(h)), opts)
}
