package explorer

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/stockholm/insyn"
	"github.com/stockholm/insyn/internal/api"
	"github.com/stockholm/insyn/internal/serve"
	"github.com/stockholm/insyn/internal/store/fsstore"
)

// sampleAPI is the API over the embedded sample lake, as functions/api
// serves it by default; built once per test binary.
var sampleAPI = sync.OnceValues(func() (*api.Handler, error) {
	l, err := api.OpenLake(context.Background(), fsstore.New(insyn.SampleLake()), api.LakeOptions{
		Rules: api.Rules{Threshold: api.DefaultThreshold}, RefreshInterval: api.DefaultRefreshInterval, Logger: discardLogger(),
	})
	if err != nil {
		return nil, err
	}
	return api.NewHandler(l, api.HandlerOptions{Logger: discardLogger()})
})

// served returns what functions/api serves: the explorer in front of the
// API over the sample lake, inside serve.Wrap's transport.
func served(t testing.TB) http.Handler {
	t.Helper()
	h, err := sampleAPI()
	if err != nil {
		t.Fatal(err)
	}
	return serve.Wrap(Handler(h), serve.Options{Logger: discardLogger()})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
