package duckdb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"time"
)

// Query runs query.mjs with Node.js from the repository root (where npm
// installs DuckDB) on queries, sent as JSON on its standard input, and
// returns what it prints: its JSON answer. Tests of this package and of
// internal/workload use it; it allows a query.mjs run two minutes.
func Query(root string, queries any) ([]byte, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node not found (%v): DuckDB runs through Node.js >= 20; install Node.js and npm", err)
	}
	in, err := json.Marshal(queries)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("internal", "lake", "duckdb", "query.mjs"))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("node query.mjs: %v\n%s", err, stderr.String())
	}
	return stdout.Bytes(), nil
}
