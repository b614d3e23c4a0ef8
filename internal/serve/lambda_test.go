package serve

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// The fixtures in testdata are API Gateway HTTP API events in payload
// format 2.0 as AWS documents them ("Working with AWS Lambda proxy
// integrations for HTTP APIs"): lower-case headers, rawPath and
// rawQueryString, cookies apart, the body base64-encoded when
// isBase64Encoded.

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

// header looks a response header up as API Gateway does, ignoring case.
func header(resp events.APIGatewayV2HTTPResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func TestLambdaEvents(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		edit    func(*events.APIGatewayV2HTTPRequest)
		status  int
		headers map[string]string // wanted values; "" means absent
		check   func(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, body []byte)
	}{
		{
			name: "POST GraphQL from a browser", fixture: "apigw-v2-post-graphql.json", status: 200,
			headers: map[string]string{
				"Content-Type":                "application/json",
				"X-Request-Id":                "Xk3bXjLsgi0EMzQ=", // API Gateway's id, not the client's
				"Access-Control-Allow-Origin": "*",
				"Vary":                        "Accept-Encoding",
				"ETag":                        fakeETag,
			},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				e := decodeEchoed(t, body)
				if e.Method != "POST" || e.Path != "/graphql" || e.Body != ev.Body || e.RequestID != "Xk3bXjLsgi0EMzQ=" {
					t.Errorf("handler got %+v", e)
				}
			},
		},
		{
			name: "GET with the query in the URL", fixture: "apigw-v2-get.json", status: 200,
			headers: map[string]string{"ETag": fakeETag, "X-Request-Id": "Xk3cFh2dgi0EJbw=", "Access-Control-Allow-Origin": ""},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if e := decodeEchoed(t, body); e.Method != "GET" || e.Query != "{ datasets { name version } }" {
					t.Errorf("handler got %+v", e)
				}
			},
		},
		{
			name: "GET with a current If-None-Match", fixture: "apigw-v2-get-if-none-match.json", status: 304,
			headers: map[string]string{"ETag": fakeETag, "Content-Type": "", "Content-Encoding": ""},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if len(body) != 0 {
					t.Errorf("304 with body %q", body)
				}
			},
		},
		{
			name: "CORS preflight", fixture: "apigw-v2-options.json", status: 204,
			headers: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
				"Access-Control-Allow-Headers": "Content-Type",
				"Access-Control-Max-Age":       "3600",
				"X-Request-Id":                 "Xk3bXg0qgi0EJ3Q=",
			},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if len(body) != 0 {
					t.Errorf("preflight answered with body %q", body)
				}
			},
		},
		{
			name: "base64-encoded request body", fixture: "apigw-v2-post-base64.json", status: 200,
			headers: map[string]string{"Content-Type": "application/json"},
			check: func(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, body []byte) {
				sent, err := base64.StdEncoding.DecodeString(ev.Body)
				if err != nil {
					t.Fatal(err)
				}
				e := decodeEchoed(t, body)
				if e.Body != string(sent) || !strings.Contains(e.Body, "Järva") {
					t.Errorf("handler got body %q, want the decoded %q", e.Body, sent)
				}
				if resp.IsBase64Encoded {
					t.Errorf("a UTF-8 JSON answer came back base64-encoded")
				}
			},
		},
		{
			name: "gzip accepted, large answer", fixture: "apigw-v2-get-gzip.json", status: 200,
			headers: map[string]string{
				"Content-Encoding": "gzip",
				"Content-Type":     "application/json",
				"ETag":             "W/" + fakeETag,
				"Vary":             "Accept-Encoding",
			},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, body []byte) {
				if !resp.IsBase64Encoded {
					t.Fatalf("gzip answer not base64-encoded: API Gateway would mangle it")
				}
				if e := decodeEchoed(t, gunzip(t, body)); len(e.Pad) != 4000 || e.Query != "{ datasets { name version } }" {
					t.Errorf("gunzipped answer has pad %d, query %q", len(e.Pad), e.Query)
				}
			},
		},
		{
			name: "body over the limit", fixture: "apigw-v2-post-graphql.json", status: 413,
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.Body = `{"query":"` + strings.Repeat("x", 70000) + `"}`
				ev.Headers["content-length"] = "70012"
			},
			headers: map[string]string{"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*"},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if msg := errorMessage(t, body); !strings.Contains(msg, "32768 bytes") {
					t.Errorf("413 message %q does not name the limit", msg)
				}
			},
		},
		{
			name: "handler panics", fixture: "apigw-v2-get.json", status: 500,
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RawPath, ev.RequestContext.HTTP.Path = "/panic", "/panic"
			},
			headers: map[string]string{"ETag": "", "X-Request-Id": "Xk3cFh2dgi0EJbw="},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if msg := errorMessage(t, body); !strings.Contains(msg, "Xk3cFh2dgi0EJbw=") {
					t.Errorf("500 message %q does not name the request id", msg)
				}
			},
		},
		{
			name: "handler writes nothing", fixture: "apigw-v2-get.json", status: 200,
			edit: func(ev *events.APIGatewayV2HTTPRequest) {
				ev.RawPath, ev.RequestContext.HTTP.Path = "/empty", "/empty"
			},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if len(body) != 0 {
					t.Errorf("body %q", body)
				}
			},
		},
		{
			name: "HEAD", fixture: "apigw-v2-get.json", status: 200,
			edit:    func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.HTTP.Method = "HEAD" },
			headers: map[string]string{"ETag": fakeETag, "Content-Type": "application/json"},
			check: func(t *testing.T, _ events.APIGatewayV2HTTPRequest, _ events.APIGatewayV2HTTPResponse, body []byte) {
				if len(body) != 0 {
					t.Errorf("HEAD answered with body %q", body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := loadEvent(t, tt.fixture)
			if tt.edit != nil {
				tt.edit(&ev)
			}
			sink := &logSink{}
			resp, err := lambdaHandler(Wrap(fakeAPI(), Options{Logger: sink.logger()}))(context.Background(), ev)
			if err != nil {
				t.Fatalf("Lambda handler: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("statusCode %d, want %d; body %.300s", resp.StatusCode, tt.status, resp.Body)
			}
			for k, want := range tt.headers {
				if got := header(resp, k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			body := []byte(resp.Body)
			if resp.IsBase64Encoded {
				if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
					t.Fatalf("isBase64Encoded, but the body is not base64: %v", err)
				}
			}
			tt.check(t, ev, resp, body)
			line := sink.only(t, "request")
			if line["request_id"] != ev.RequestContext.RequestID || line["status"] != float64(tt.status) || line["method"] != ev.RequestContext.HTTP.Method {
				t.Errorf("access log line %v", line)
			}
		})
	}
}

// TestLambdaInvalidEvent checks that an event the adapter cannot turn into
// a request is an invocation error (the runtime reports it to Lambda), not
// an answer.
func TestLambdaInvalidEvent(t *testing.T) {
	ev := loadEvent(t, "apigw-v2-post-base64.json")
	ev.Body = "not base64!"
	called := false
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
	if _, err := lambdaHandler(Wrap(h, Options{Logger: (&logSink{}).logger()}))(context.Background(), ev); err == nil {
		t.Fatal("no error for a body that is not base64")
	}
	if called {
		t.Error("handler called for an invalid event")
	}
}

// FuzzLambdaEvent gives the Lambda handler any API Gateway v2 event (JSON
// bytes, as the runtime delivers them): never a panic; an event the
// adapter cannot read is an invocation error, any other gets an answer
// with a status.
func FuzzLambdaEvent(f *testing.F) {
	for _, name := range []string{"apigw-v2-get.json", "apigw-v2-post-base64.json", "apigw-v2-get-gzip.json", "apigw-v2-options.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	h := lambdaHandler(Wrap(fakeAPI(), Options{Logger: (&logSink{}).logger()}))
	f.Fuzz(func(t *testing.T, event []byte) {
		var ev events.APIGatewayV2HTTPRequest
		if json.Unmarshal(event, &ev) != nil {
			return // the runtime's decoding fails before any handler
		}
		resp, err := h(context.Background(), ev)
		if err == nil && (resp.StatusCode < 100 || resp.StatusCode > 599) {
			t.Fatalf("status %d for %s", resp.StatusCode, event)
		}
	})
}
