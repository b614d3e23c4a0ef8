package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stockholm/insyn/internal/testenv/lambdart"
)

// The tests build the real bootstrap, as deployed (CGO_ENABLED=0,
// lambda.norpc, -trimpath, -s -w), and run it as Lambda does, against a
// Runtime API on loopback, and as a local HTTP server.

func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if ev.Version != "2.0" || ev.RequestContext.RequestID == "" {
		t.Fatalf("%s is not an API Gateway payload 2.0 event", name)
	}
	return ev
}

// invoke sends an event through the Runtime API and returns the function's
// API Gateway response and its body, decoded from base64 and gzip.
func invoke(t *testing.T, rt *lambdart.Runtime, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, []byte) {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := rt.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("the function's answer is not an API Gateway v2 response: %v\n%s", err, out)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	if header(resp, "Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return resp, body
}

// header looks a response header up as API Gateway does, ignoring case.
func header(resp events.APIGatewayV2HTTPResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

type gql struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func decodeGQL(t *testing.T, body []byte) gql {
	t.Helper()
	var g gql
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatalf("not a GraphQL answer: %v\n%s", err, body)
	}
	return g
}

// report94 is the part of table 9:4's answer the tests read.
type report94 struct {
	Report struct {
		Number    string
		Source    string
		Footnotes []string
		Datasets  []struct{ Name, Version string }
		Columns   []struct{ Key string }
		Rows      []struct {
			Label string
			Cells []struct {
				Value   *float64
				Mark    string
				Display string
				Unit    string
			}
		}
	}
}

func checkReport94(t *testing.T, data json.RawMessage) {
	t.Helper()
	var r report94
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	rep := r.Report
	if rep.Number != "Tabell 9:4" || rep.Source != "Källa: Sociala system" || len(rep.Rows) != 12 || len(rep.Columns) != 9 ||
		len(rep.Datasets) != 1 || rep.Datasets[0].Name != "insatser" || rep.Datasets[0].Version == "" {
		t.Fatalf("table 9:4: %+v", rep)
	}
	// Järva 2022: mean hours of women 82, of men 131; 43 persons (as printed).
	jarva := rep.Rows[0]
	if jarva.Label != "Järva" || jarva.Cells[0].Display != "82" || jarva.Cells[1].Display != "131" || jarva.Cells[2].Display != "43" ||
		jarva.Cells[0].Unit != "timmar per månad (medelvärde)" || jarva.Cells[2].Unit != "antal" {
		t.Errorf("Järva: %+v", jarva)
	}
	stars := 0
	for _, row := range rep.Rows {
		for _, c := range row.Cells {
			if c.Display == "*" {
				stars++
				if c.Mark != "SUPPRESSED" || c.Value != nil {
					t.Errorf("a * cell with mark %s and value %v", c.Mark, c.Value)
				}
			}
		}
	}
	if stars == 0 || !strings.HasPrefix(rep.Footnotes[len(rep.Footnotes)-1], "* ") {
		t.Errorf("table 9:4 shows %d hidden cells, footnotes %q", stars, rep.Footnotes)
	}
}

// TestBootstrap builds the function once and runs it as Lambda runs it
// (API Gateway v2 events through the Runtime API) and as a local server.
func TestBootstrap(t *testing.T) {
	bin := lambdart.Build(t, ".")

	t.Run("Lambda", func(t *testing.T) {
		rt := lambdart.Start(t)
		start := time.Now()
		fn := rt.Exec(t, bin)
		resp, body := invoke(t, rt, loadEvent(t, "apigw-v2-post-table.json"))
		t.Logf("cold start on Lambda (process start to the first answer, embedded lake): %v", time.Since(start).Round(time.Millisecond))
		t.Run("POST a table from a browser", func(t *testing.T) {
			if resp.StatusCode != 200 || header(resp, "Access-Control-Allow-Origin") != "*" || header(resp, "X-Request-Id") != "Xk9QpFWsgi0EJ-w=" ||
				!strings.HasPrefix(header(resp, "ETag"), `"`) || header(resp, "Cache-Control") != "no-store" {
				t.Errorf("status %d, headers %v", resp.StatusCode, resp.Headers)
			}
			g := decodeGQL(t, body)
			var d struct {
				Table struct {
					Dataset, Unit, Version, Source string
					Cells                          []struct {
						Coordinates []struct{ Code string }
						Value       *float64
						Mark        string
						Display     string
					}
				}
			}
			if err := json.Unmarshal(g.Data, &d); err != nil || len(g.Errors) > 0 {
				t.Fatalf("%v %+v", err, g.Errors)
			}
			tb := d.Table
			// Personlig assistans 2024: 127 decisions for women, 132 for men,
			// 259 in all, as 9:3 prints them (the stored pattern publishes them).
			if tb.Unit != "antal beslut" || tb.Source != "Källa: Sociala system" || len(tb.Cells) != 3 ||
				tb.Cells[2].Display != "259" || tb.Cells[2].Coordinates[0].Code != "_T" || tb.Cells[0].Display != "127" || tb.Cells[1].Display != "132" {
				t.Errorf("table: %+v", tb)
			}
		})
		var etag string
		t.Run("GET a report, gzipped", func(t *testing.T) {
			resp, body := invoke(t, rt, loadEvent(t, "apigw-v2-get-report-gzip.json"))
			etag = header(resp, "ETag")
			if resp.StatusCode != 200 || !resp.IsBase64Encoded || header(resp, "Content-Encoding") != "gzip" ||
				header(resp, "Cache-Control") != "public, max-age=300" || etag == "" || header(resp, "X-Request-Id") != "Xk3cFh2dgi0EJbw=" {
				t.Fatalf("status %d, base64 %v, headers %v", resp.StatusCode, resp.IsBase64Encoded, resp.Headers)
			}
			lakeVersion := header(resp, "X-Insyn-Lake-Version")
			// gzip makes the tag weak: the bytes differ, the answer not.
			if !strings.HasPrefix(etag, `W/"`+lakeVersion+"-") {
				t.Errorf("ETag %s does not carry the lake version %s", etag, lakeVersion)
			}
			g := decodeGQL(t, body)
			if len(g.Errors) > 0 {
				t.Fatalf("%+v", g.Errors)
			}
			checkReport94(t, g.Data)
		})
		t.Run("GET with a current If-None-Match", func(t *testing.T) {
			ev := loadEvent(t, "apigw-v2-get-if-none-match.json")
			ev.Headers["if-none-match"] = etag
			resp, body := invoke(t, rt, ev)
			if resp.StatusCode != 304 || len(body) != 0 || header(resp, "ETag") != strings.TrimPrefix(etag, "W/") {
				t.Errorf("status %d, %d bytes, ETag %s (sent %s)", resp.StatusCode, len(body), header(resp, "ETag"), etag)
			}
		})
		t.Run("POST a base64 body with variables", func(t *testing.T) {
			resp, body := invoke(t, rt, loadEvent(t, "apigw-v2-post-base64.json"))
			g := decodeGQL(t, body)
			var d struct {
				Dataset struct {
					Name       string
					Periods    []struct{ Code, Label string }
					Measures   []string
					Dimensions []struct {
						Name  string
						Codes []struct{ Code, Label string }
					}
				}
			}
			if err := json.Unmarshal(g.Data, &d); err != nil || resp.StatusCode != 200 || len(g.Errors) > 0 {
				t.Fatalf("status %d: %v %+v", resp.StatusCode, err, g.Errors)
			}
			ds := d.Dataset
			if ds.Name != "ej_verkstallda" || len(ds.Periods) != 5 || ds.Periods[4].Code != "2024-Q2" || ds.Periods[4].Label != "Kv 2 2024" ||
				strings.Join(ds.Measures, ",") != "DECISIONS,SHARE" || len(ds.Dimensions) != 5 || ds.Dimensions[0].Codes[0].Label != "Järva" {
				t.Errorf("dataset: %+v", ds)
			}
		})
		t.Run("CORS preflight", func(t *testing.T) {
			resp, body := invoke(t, rt, loadEvent(t, "apigw-v2-options.json"))
			if resp.StatusCode != 204 || len(body) != 0 || header(resp, "Access-Control-Allow-Methods") != "GET, POST, OPTIONS" {
				t.Errorf("status %d, headers %v", resp.StatusCode, resp.Headers)
			}
		})
		t.Run("a period without data", func(t *testing.T) {
			resp, body := invoke(t, rt, loadEvent(t, "apigw-v2-post-bad-period.json"))
			g := decodeGQL(t, body)
			if resp.StatusCode != 200 || len(g.Errors) != 1 || g.Errors[0].Message != "period: dataset insatser has no data for 2021; valid: 2022, 2023, 2024" ||
				g.Errors[0].Extensions["field"] != "period" {
				t.Errorf("status %d: %+v", resp.StatusCode, g.Errors)
			}
		})
		t.Run("the explorer from a stage's root", func(t *testing.T) {
			ev := loadEvent(t, "apigw-v2-get-explorer-stage.json")
			resp, _ := invoke(t, rt, ev)
			if resp.StatusCode != 302 || header(resp, "Location") != "/prod/graphiql" {
				t.Fatalf("GET /prod on stage prod: status %d, headers %v", resp.StatusCode, resp.Headers)
			}
			ev.RawPath, ev.RequestContext.HTTP.Path = "/prod/graphiql", "/prod/graphiql"
			resp, body := invoke(t, rt, ev)
			if resp.StatusCode != 200 || !strings.Contains(header(resp, "Content-Security-Policy"), "script-src 'self'") ||
				!strings.Contains(string(body), `<script src="graphiql/assets/graphiql.min.`) {
				t.Errorf("GET /prod/graphiql: status %d, headers %v\n%s", resp.StatusCode, resp.Headers, body)
			}
		})
		if out := fn.Output(); !strings.Contains(out, `"msg":"lake version loaded"`) || !strings.Contains(out, `"query_hash"`) {
			t.Errorf("the function's log lacks the loaded version or access lines:\n%s", out)
		}
	})

	t.Run("HTTP", func(t *testing.T) {
		srv := startLocal(t, bin)
		t.Logf("cold start as a local server (process start to the first answer, embedded lake): %v", srv.coldStart.Round(time.Millisecond))
		q := `{ report(id: "9:4") { number source footnotes datasets { name version } columns { key } rows { label cells { value mark display unit } } } }`
		resp, err := http.Get(srv.url + "/graphql?query=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		g := decodeGQL(t, body)
		if resp.StatusCode != 200 || len(g.Errors) > 0 {
			t.Fatalf("status %d: %+v", resp.StatusCode, g.Errors)
		}
		checkReport94(t, g.Data)
		// The explorer, from the root (net/http follows the redirect).
		resp, err = http.Get(srv.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/graphiql" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
			!strings.Contains(string(body), `<script src="graphiql/assets/graphiql.min.`) {
			t.Errorf("GET / -> %s: status %d, headers %v", resp.Request.URL, resp.StatusCode, resp.Header)
		}
		srv.stop(t)
	})
}

// local is the bootstrap running as a local HTTP server.
type local struct {
	cmd       *exec.Cmd
	url       string
	coldStart time.Duration
	exited    chan error
}

// startLocal runs bin outside Lambda on a free loopback port (with the
// given extra environment) and waits for its first answer, timing it.
func startLocal(t testing.TB, bin string, env ...string) *local {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "INSYN_LISTEN=127.0.0.1:0", "HOME=" + t.TempDir()}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l := &local{cmd: cmd, exited: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			t.Logf("api[%d]: %s", cmd.Process.Pid, line)
			var entry struct{ Msg, Mode, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "serving" && entry.Mode == "http" {
				addr <- entry.Addr
			}
		}
		l.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	select {
	case l.url = <-addr:
	case err := <-l.exited:
		t.Fatalf("the API exited before serving: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the API did not start serving within 2 minutes")
	}
	for {
		resp, err := http.Get(l.url + "/graphql?query=" + url.QueryEscape(`{ lake { version } }`))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("no answer from %s: %v", l.url, err)
		}
		time.Sleep(time.Millisecond)
	}
	l.coldStart = time.Since(start)
	return l
}

// stop sends SIGTERM, as a developer's Ctrl-C or a container stop does,
// and requires a clean exit.
func (l *local) stop(t testing.TB) {
	t.Helper()
	if err := l.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-l.exited:
		if err != nil {
			t.Errorf("the API exited with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("the API did not stop within 15 s of SIGTERM")
	}
}
