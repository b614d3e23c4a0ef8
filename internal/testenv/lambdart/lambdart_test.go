package lambdart

import (
	"bytes"
	"compress/gzip"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The protocol tests play the runtime client by hand, with net/http, as
// the Runtime API documentation describes it.

func apiURL(rt *Runtime, path string) string { return "http://" + rt.Addr + apiPrefix + path }

// invokeAsync runs Invoke in the background.
func invokeAsync(rt *Runtime, ctx context.Context, payload []byte) <-chan result {
	done := make(chan result, 1)
	go func() {
		resp, err := rt.Invoke(ctx, payload)
		done <- result{resp, err}
	}()
	return done
}

func post(t *testing.T, url, errorType string, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if errorType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]string
	json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// nextEvent does GET /invocation/next and checks the headers Lambda sends.
func nextEvent(t *testing.T, rt *Runtime) (id string, payload []byte) {
	t.Helper()
	before := time.Now()
	resp, err := http.Get(apiURL(rt, "/invocation/next"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	payload, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("next: status %d: %s", resp.StatusCode, payload)
	}
	id = resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	if !uuidRE.MatchString(id) {
		t.Errorf("Lambda-Runtime-Aws-Request-Id %q is not a UUID", id)
	}
	ms, err := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if deadline := time.UnixMilli(ms); err != nil || deadline.Before(before.Add(rt.Timeout-time.Second)) || deadline.After(time.Now().Add(rt.Timeout)) {
		t.Errorf("Lambda-Runtime-Deadline-Ms %q is not about Timeout (%v) ahead", resp.Header.Get("Lambda-Runtime-Deadline-Ms"), rt.Timeout)
	}
	if arn := resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"); arn != "arn:aws:lambda:eu-north-1:123456789012:function:insyn-test" {
		t.Errorf("Lambda-Runtime-Invoked-Function-Arn %q", arn)
	}
	if trace := resp.Header.Get("Lambda-Runtime-Trace-Id"); !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`).MatchString(trace) {
		t.Errorf("Lambda-Runtime-Trace-Id %q", trace)
	}
	return id, payload
}

func TestProtocol(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("response", func(t *testing.T) {
		rt := Start(t)
		done := invokeAsync(rt, ctx, []byte(`{"n":1}`))
		id, payload := nextEvent(t, rt)
		if string(payload) != `{"n":1}` {
			t.Errorf("event %q", payload)
		}
		if status, _ := post(t, apiURL(rt, "/invocation/"+id+"/response"), "", `{"statusCode":200}`); status != http.StatusAccepted {
			t.Errorf("response: status %d, want 202", status)
		}
		if r := <-done; r.err != nil || string(r.response) != `{"statusCode":200}` {
			t.Errorf("Invoke = %q, %v", r.response, r.err)
		}
		if status, doc := post(t, apiURL(rt, "/invocation/"+id+"/response"), "", `{}`); status != http.StatusBadRequest || doc["errorType"] != "InvalidRequestID" {
			t.Errorf("second response for %s: status %d %v, want 400 InvalidRequestID", id, status, doc)
		}
	})

	t.Run("next waits for an event", func(t *testing.T) {
		rt := Start(t)
		got := make(chan string, 1)
		go func() {
			id, _ := nextEvent(t, rt)
			got <- id
		}()
		select {
		case <-got:
			t.Fatal("next returned with no event queued")
		case <-time.After(100 * time.Millisecond):
		}
		done := invokeAsync(rt, ctx, []byte(`{}`))
		id := <-got
		post(t, apiURL(rt, "/invocation/"+id+"/response"), "", `"ok"`)
		if r := <-done; r.err != nil || string(r.response) != `"ok"` {
			t.Errorf("Invoke = %q, %v", r.response, r.err)
		}
	})

	t.Run("invocation error", func(t *testing.T) {
		rt := Start(t)
		done := invokeAsync(rt, ctx, []byte(`{}`))
		id, _ := nextEvent(t, rt)
		body := `{"errorMessage":"bad event","errorType":"SyntaxError","stackTrace":[]}`
		if status, _ := post(t, apiURL(rt, "/invocation/"+id+"/error"), "Runtime.UnmarshalError", body); status != http.StatusAccepted {
			t.Errorf("error: status %d, want 202", status)
		}
		r := <-done
		fe, ok := errors.AsType[*FunctionError](r.err)
		if !ok || fe.Init || fe.Type != "Runtime.UnmarshalError" || fe.Message != "bad event" || string(fe.Body) != body {
			t.Errorf("Invoke error %#v, want the FunctionError posted", r.err)
		}
	})

	t.Run("error type from the body", func(t *testing.T) {
		rt := Start(t)
		done := invokeAsync(rt, ctx, []byte(`{}`))
		id, _ := nextEvent(t, rt)
		post(t, apiURL(rt, "/invocation/"+id+"/error"), "", `{"errorMessage":"m","errorType":"T"}`)
		if fe, ok := errors.AsType[*FunctionError]((<-done).err); !ok || fe.Type != "T" || fe.Message != "m" {
			t.Errorf("got %v", fe)
		}
	})

	t.Run("unknown request id", func(t *testing.T) {
		rt := Start(t)
		for _, ep := range []string{"response", "error"} {
			if status, doc := post(t, apiURL(rt, "/invocation/nope/"+ep), "", `{}`); status != http.StatusBadRequest || doc["errorType"] != "InvalidRequestID" {
				t.Errorf("%s for an unknown id: status %d %v", ep, status, doc)
			}
		}
	})

	t.Run("init error", func(t *testing.T) {
		rt := Start(t)
		waiting := invokeAsync(rt, ctx, []byte(`{}`))
		if status, _ := post(t, apiURL(rt, "/init/error"), "Runtime.ConfigError", `{"errorMessage":"INSYN_LISTEN is bad","errorType":"ConfigError"}`); status != http.StatusAccepted {
			t.Errorf("init/error: status %d, want 202", status)
		}
		for _, r := range []result{<-waiting, <-invokeAsync(rt, ctx, []byte(`{}`))} {
			if fe, ok := errors.AsType[*FunctionError](r.err); !ok || !fe.Init || fe.Type != "Runtime.ConfigError" || fe.Message != "INSYN_LISTEN is bad" {
				t.Errorf("Invoke after an init error: %v", r.err)
			}
		}
	})

	t.Run("nobody asks", func(t *testing.T) {
		rt := Start(t)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := rt.Invoke(short, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "no runtime asked for it") {
			t.Errorf("Invoke without a runtime: %v", err)
		}
	})
}

// TestEchoBootstrap builds testdata/echo (serve.Run around an echo
// handler) as the deployment builds a bootstrap, runs it against the
// Runtime with the real aws-lambda-go client inside, and invokes it with
// API Gateway HTTP API events.
func TestEchoBootstrap(t *testing.T) {
	bin := Build(t, "./testdata/echo")

	t.Run("built as for deployment", func(t *testing.T) {
		info, err := buildinfo.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		want := map[string]string{"CGO_ENABLED": "0", "-tags": "lambda.norpc", "-trimpath": "true"}
		for k, v := range want {
			if settings[k] != v {
				t.Errorf("build setting %s = %q, want %q", k, settings[k], v)
			}
		}
		if info.Path != "github.com/stockholm/insyn/internal/testenv/lambdart/testdata/echo" {
			t.Errorf("built %s", info.Path)
		}
		// With -trimpath, go build does not record -ldflags; what -s -w do
		// shows in the binary: no symbol table, no DWARF.
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, s := range f.Sections {
			if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
				t.Errorf("section %s is in the binary: not built with -ldflags='-s -w'", s.Name)
			}
		}
	})

	rt := Start(t)
	fn := rt.Exec(t, bin, "INSYN_CORS_ORIGINS=https://start.stockholm")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("POST event", func(t *testing.T) {
		event := fixture(t, "apigw-v2-post-echo.json")
		resp := invokeHTTP(t, rt, ctx, event)
		if resp.StatusCode != 200 || resp.IsBase64Encoded {
			t.Fatalf("statusCode %d, isBase64Encoded %v: %s", resp.StatusCode, resp.IsBase64Encoded, resp.Body)
		}
		wantHeaders := map[string]string{
			"Content-Type":                "application/json",
			"X-Request-Id":                "Xk9QpFWsgi0EJ-w=",
			"Access-Control-Allow-Origin": "https://start.stockholm",
			"Vary":                        "Origin,Accept-Encoding",
		}
		for k, v := range wantHeaders {
			if resp.Headers[k] != v {
				t.Errorf("header %s = %q, want %q (all: %v)", k, resp.Headers[k], v, resp.Headers)
			}
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
			t.Fatalf("body: %v\n%s", err, resp.Body)
		}
		var ev struct{ Body string }
		json.Unmarshal(event, &ev)
		if got["method"] != "POST" || got["path"] != "/echo" || got["body"] != ev.Body || got["request_id"] != "Xk9QpFWsgi0EJ-w=" {
			t.Errorf("handler got %v", got)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		resp := invokeHTTP(t, rt, ctx, fixture(t, "apigw-v2-get-gzip-echo.json"))
		if resp.StatusCode != 200 || !resp.IsBase64Encoded || resp.Headers["Content-Encoding"] != "gzip" {
			t.Fatalf("statusCode %d, isBase64Encoded %v, headers %v", resp.StatusCode, resp.IsBase64Encoded, resp.Headers)
		}
		compressed, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			t.Fatalf("body is not base64: %v", err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(compressed))
		if err != nil {
			t.Fatalf("body is not gzip: %v", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal(plain, &got); err != nil || len(got["pad"]) != 5000 || got["query"] != "{ datasets { name } }" {
			t.Errorf("gunzipped body: %v, %.100s", err, plain)
		}
	})

	t.Run("handler panics", func(t *testing.T) {
		event := bytes.ReplaceAll(fixture(t, "apigw-v2-get-gzip-echo.json"), []byte(`"/echo"`), []byte(`"/panic"`))
		resp := invokeHTTP(t, rt, ctx, event)
		if resp.StatusCode != 500 || !strings.Contains(resp.Body, `"errors":[{"message":"internal server error (request id Xk9QrG1ngi0EJ6Q=)","extensions":{"code":"INTERNAL"}}]`) {
			t.Errorf("statusCode %d, body %s", resp.StatusCode, resp.Body)
		}
	})

	t.Run("undecodable body", func(t *testing.T) {
		_, err := rt.Invoke(ctx, fixture(t, "apigw-v2-bad-base64.json"))
		if fe, ok := errors.AsType[*FunctionError](err); !ok || fe.Init || !strings.Contains(fe.Message, "illegal base64") {
			t.Errorf("Invoke: %v, want the function's error about base64", err)
		}
	})

	t.Run("event that is not JSON", func(t *testing.T) {
		_, err := rt.Invoke(ctx, []byte("GET /echo HTTP/1.1"))
		if fe, ok := errors.AsType[*FunctionError](err); !ok || fe.Type != "SyntaxError" {
			t.Errorf("Invoke: %v, want the function's SyntaxError", err)
		}
	})

	t.Run("still the same process", func(t *testing.T) {
		if resp := invokeHTTP(t, rt, ctx, fixture(t, "apigw-v2-post-echo.json")); resp.StatusCode != 200 {
			t.Errorf("statusCode %d after the errors", resp.StatusCode)
		}
		// The process logs a request after answering it, and its output
		// reaches the test through a pipe: wait (a bounded time) for the
		// lines of the requests answered so far.
		var starts, panics int
		var requests map[string]float64
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			starts, panics, requests = 0, 0, map[string]float64{}
			for _, l := range logLines(t, fn.Output()) {
				switch l["msg"] {
				case "serving":
					starts++
					if l["mode"] != "lambda" || l["runtime_api"] != rt.Addr || l["function"] != "insyn-test" {
						t.Errorf("startup line %v", l)
					}
				case "panic":
					panics++
				case "request":
					requests[fmt.Sprint(l["request_id"])] = l["status"].(float64)
				}
			}
			if (panics >= 1 && requests["Xk9QrG1ngi0EJ6Q="] == 500) || time.Now().After(deadline) {
				break
			}
		}
		if starts != 1 || panics != 1 {
			t.Errorf("%d startup lines and %d panic lines, want 1 each (one process, one panic)", starts, panics)
		}
		if requests["Xk9QpFWsgi0EJ-w="] != 200 || requests["Xk9QrG1ngi0EJ6Q="] != 500 {
			t.Errorf("access log statuses by request id: %v", requests)
		}
	})
}

// TestEchoBootstrapConcurrent runs the bootstrap with
// AWS_LAMBDA_MAX_CONCURRENCY, as on Lambda Managed Instances, where
// aws-lambda-go polls /next from several goroutines and the handler
// serves invocations at once.
func TestEchoBootstrapConcurrent(t *testing.T) {
	bin := Build(t, "./testdata/echo")
	rt := Start(t)
	rt.Exec(t, bin, "AWS_LAMBDA_MAX_CONCURRENCY=4")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	event := fixture(t, "apigw-v2-post-echo.json")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			id := fmt.Sprintf("concurrent-%d", i)
			resp := invokeHTTP(t, rt, ctx, bytes.ReplaceAll(event, []byte("Xk9QpFWsgi0EJ-w="), []byte(id)))
			if resp.StatusCode != 200 || resp.Headers["X-Request-Id"] != id {
				t.Errorf("invocation %s: statusCode %d, X-Request-Id %q", id, resp.StatusCode, resp.Headers["X-Request-Id"])
			}
		})
	}
	wg.Wait()
}

// TestEchoBootstrapBadConfig checks that a function that exits at start
// (here on an invalid INSYN_ variable) fails Invoke at once.
func TestEchoBootstrapBadConfig(t *testing.T) {
	bin := Build(t, "./testdata/echo")
	rt := Start(t)
	fn := rt.Exec(t, bin, "INSYN_MAX_REQUEST_BYTES=lots")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := rt.Invoke(ctx, fixture(t, "apigw-v2-post-echo.json"))
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "exit status 1") {
		t.Fatalf("Invoke: %v, want ErrExited with exit status 1", err)
	}
	if !strings.Contains(fn.Output(), `INSYN_MAX_REQUEST_BYTES=\"lots\"`) {
		t.Errorf("output does not name the bad variable:\n%s", fn.Output())
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// apiResponse is an API Gateway HTTP API response (payload format 2.0)
// with the JSON names AWS documents.
type apiResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// invokeHTTP invokes with an API Gateway event and decodes the response,
// refusing JSON members API Gateway would not know.
func invokeHTTP(t *testing.T, rt *Runtime, ctx context.Context, event []byte) apiResponse {
	t.Helper()
	raw, err := rt.Invoke(ctx, event)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, raw)
	}
	for k := range members {
		switch k {
		case "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies":
		default:
			t.Errorf("response has member %q, not in the payload 2.0 format", k)
		}
	}
	var resp apiResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("response: %v\n%s", err, raw)
	}
	return resp
}

// logLines parses the JSON lines in output, skipping any other lines.
func logLines(t *testing.T, output string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(output, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			lines = append(lines, m)
		}
	}
	return lines
}
