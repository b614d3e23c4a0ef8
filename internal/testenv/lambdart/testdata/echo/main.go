// Command echo is the smallest insyn function: serve.Run around a handler
// that answers with what it got, shaped like functions/api/main.go will
// be (read the configuration, build the handler, run). The lambdart tests
// build it as a Lambda bootstrap and invoke it through the Runtime API;
// under testdata, go build ./... and go vet ./... leave it out.
//
// Paths: /echo answers JSON {method, path, query, body, request_id, pad}
// with ?pad=N bytes of padding; /panic panics.
package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/stockholm/insyn/internal/serve"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	opts, err := serve.FromEnv()
	if err != nil {
		log.Error("echo: configuration", "err", err.Error())
		os.Exit(1)
	}
	opts.Logger = log
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", echo)
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("echo: asked to panic") })
	if err := serve.Run(context.Background(), mux, opts); err != nil {
		log.Error("echo: serve", "err", err.Error())
		os.Exit(1)
	}
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "echo: reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	pad, _ := strconv.Atoi(r.URL.Query().Get("pad"))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{
		"method":     r.Method,
		"path":       r.URL.Path,
		"query":      r.URL.Query().Get("query"),
		"body":       string(body),
		"request_id": serve.RequestID(r.Context()),
		"pad":        strings.Repeat("x", pad),
	})
}
