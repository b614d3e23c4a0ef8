// Package lambdart serves the AWS Lambda Runtime API on loopback for
// tests, so that a real bootstrap binary, built as for deployment and
// running the real aws-lambda-go runtime client, can be invoked without
// AWS. (The AWS runtime interface emulator would do the same but cannot be
// installed here.)
//
// It implements the endpoints a runtime uses, as documented in
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html:
//
//	GET  /2018-06-01/runtime/invocation/next
//	POST /2018-06-01/runtime/invocation/{id}/response
//	POST /2018-06-01/runtime/invocation/{id}/error
//	POST /2018-06-01/runtime/init/error
//
// A test starts a Runtime, builds a main package with Build, runs it with
// Runtime.Exec, and calls Runtime.Invoke with event JSON.
package lambdart

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

const apiPrefix = "/2018-06-01/runtime"

// Region and account the Runtime pretends to be in; they show in the
// function ARN and the environment Exec gives a function.
const (
	Region    = "eu-north-1"
	AccountID = "123456789012"
)

// Runtime is a Lambda Runtime API server for one function.
type Runtime struct {
	// Addr is host:port of the API, the value of AWS_LAMBDA_RUNTIME_API.
	Addr string
	// FunctionName names the function in its ARN and environment.
	FunctionName string
	// Timeout is the function timeout: each invocation's deadline
	// (Lambda-Runtime-Deadline-Ms) lies this far ahead of its delivery.
	// Change it before the first Invoke, not during one.
	Timeout time.Duration

	srv    *httptest.Server
	queue  chan *invocation
	closed chan struct{}

	mu       sync.Mutex
	inflight map[string]*invocation // delivered by /next, not yet answered
	failed   chan struct{}          // closed by fail
	failure  error                  // why, set before failed is closed
}

// invocation is one event on its way to the function and back.
type invocation struct {
	id      string
	payload []byte
	result  chan result // buffered: the answering handler never waits
}

type result struct {
	response []byte
	err      error
}

// FunctionError is a failure the function reported to the Runtime API,
// for one invocation (/invocation/{id}/error) or at initialisation
// (/init/error). Invoke returns it as its error.
type FunctionError struct {
	// Init is true for an initialisation error.
	Init bool
	// Type is the Lambda-Runtime-Function-Error-Type header or, without
	// it, the body's errorType, such as "Runtime.UnmarshalError".
	Type string
	// Message is the body's errorMessage.
	Message string
	// Body is the JSON the function posted.
	Body []byte
}

func (e *FunctionError) Error() string {
	at := "invocation"
	if e.Init {
		at = "init"
	}
	return fmt.Sprintf("lambdart: function reported an %s error: %s: %s", at, e.Type, e.Message)
}

// Start serves the Runtime API on a free loopback port until the test
// ends. FunctionName is "insyn-test" and Timeout 30 s (API Gateway's
// limit) until changed.
func Start(t testing.TB) *Runtime {
	t.Helper()
	rt := &Runtime{
		FunctionName: "insyn-test",
		Timeout:      30 * time.Second,
		queue:        make(chan *invocation),
		closed:       make(chan struct{}),
		inflight:     map[string]*invocation{},
		failed:       make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", rt.next)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", rt.response)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", rt.invocationError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", rt.initError)
	// httptest.NewServer listens on 127.0.0.1 with a free port.
	rt.srv = httptest.NewServer(mux)
	rt.Addr = rt.srv.Listener.Addr().String()
	t.Cleanup(func() {
		// /next requests wait on closed; Close waits for them.
		close(rt.closed)
		rt.srv.Close()
	})
	return rt
}

// FunctionARN is the ARN the Runtime gives the function.
func (rt *Runtime) FunctionARN() string {
	return "arn:aws:lambda:" + Region + ":" + AccountID + ":function:" + rt.FunctionName
}

// Invoke queues payload as an event, waits for a runtime to take it from
// /next and answer, and returns the function's response. If the function
// reports an error, that is a *FunctionError; if it reported an init error
// or its process (from Exec) ended, Invoke says so rather than wait for
// ctx.
func (rt *Runtime) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	inv := &invocation{id: newRequestID(), payload: payload, result: make(chan result, 1)}
	select {
	case rt.queue <- inv:
	case <-rt.failed:
		return nil, rt.failure
	case <-ctx.Done():
		return nil, fmt.Errorf("lambdart: invocation %s: no runtime asked for it (GET %s/invocation/next): %w",
			inv.id, apiPrefix, context.Cause(ctx))
	}
	select {
	case r := <-inv.result:
		return r.response, r.err
	case <-rt.failed:
		return nil, fmt.Errorf("lambdart: invocation %s: %w", inv.id, rt.failure)
	case <-ctx.Done():
		return nil, fmt.Errorf("lambdart: invocation %s: the function did not answer: %w", inv.id, context.Cause(ctx))
	}
}

// fail ends the Runtime for good: waiting and later Invokes return err.
// Only the first failure counts.
func (rt *Runtime) fail(err error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	select {
	case <-rt.failed:
	default:
		rt.failure = err
		close(rt.failed)
	}
}

// next is GET /invocation/next: it blocks until an event is queued and
// delivers it with the headers the runtime client reads.
func (rt *Runtime) next(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	select {
	case inv = <-rt.queue:
	case <-rt.failed:
		apiError(w, http.StatusInternalServerError, "Runtime.Failed", rt.failure.Error())
		return
	case <-rt.closed:
		apiError(w, http.StatusInternalServerError, "Runtime.Closed", "the test ended")
		return
	case <-r.Context().Done():
		return
	}
	rt.mu.Lock()
	rt.inflight[inv.id] = inv
	rt.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(rt.Timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", rt.FunctionARN())
	h.Set("Lambda-Runtime-Trace-Id", newTraceID())
	w.Write(inv.payload)
}

// take removes and returns the delivered invocation id, or writes the
// Runtime API's 400 and returns nil.
func (rt *Runtime) take(w http.ResponseWriter, id string) *invocation {
	rt.mu.Lock()
	inv := rt.inflight[id]
	delete(rt.inflight, id)
	rt.mu.Unlock()
	if inv == nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+id+" is waiting for an answer")
	}
	return inv
}

// response is POST /invocation/{id}/response.
func (rt *Runtime) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidBody", err.Error())
		return
	}
	inv := rt.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	// A runtime that fails while streaming its response says so in
	// trailers (aws-lambda-go does), readable once the body is read.
	if typ := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); typ != "" {
		inv.result <- result{err: &FunctionError{Type: typ, Message: "failed while sending its response",
			Body: []byte(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))}}
	} else {
		inv.result <- result{response: body}
	}
	accepted(w)
}

// invocationError is POST /invocation/{id}/error.
func (rt *Runtime) invocationError(w http.ResponseWriter, r *http.Request) {
	fe, err := readFunctionError(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidBody", err.Error())
		return
	}
	inv := rt.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	inv.result <- result{err: fe}
	accepted(w)
}

// initError is POST /init/error. Lambda then ends the process; here every
// waiting and later Invoke returns the error.
func (rt *Runtime) initError(w http.ResponseWriter, r *http.Request) {
	fe, err := readFunctionError(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidBody", err.Error())
		return
	}
	fe.Init = true
	rt.fail(fe)
	accepted(w)
}

// readFunctionError reads the documented error body, {"errorMessage",
// "errorType", "stackTrace"}, and the error type header.
func readFunctionError(r *http.Request) (*FunctionError, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	// The body is optional and "should" be this JSON; keep it raw if not.
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &doc); err != nil {
			doc.Message = string(body)
		}
	}
	fe := &FunctionError{Type: r.Header.Get("Lambda-Runtime-Function-Error-Type"), Message: doc.Message, Body: body}
	if fe.Type == "" {
		fe.Type = doc.Type
	}
	return fe, nil
}

// accepted is the Runtime API's answer to a posted response or error.
func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	w.Write([]byte(`{"status":"OK"}` + "\n"))
}

// apiError answers in the Runtime API's error format.
func apiError(w http.ResponseWriter, status int, typ, message string) {
	body, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// newRequestID returns a random UUID (version 4), the form of Lambda's
// request ids.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newTraceID returns an X-Ray trace header of the form Lambda sends.
func newTraceID() string {
	var b [20]byte
	rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0",
		time.Now().Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}
