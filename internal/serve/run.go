package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// Timeouts of the local HTTP server. API Gateway gives up on an
// integration after 30 s, so a local run is no more patient than
// production.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// maxHeaderBytes bounds the request line and headers, and with them a
	// GET's ?query=, about as API Gateway does (10 KiB for the two
	// together; net/http allows some buffer slack on top).
	maxHeaderBytes = 10 << 10
	// shutdownGrace is how long requests in flight may finish after
	// SIGINT, SIGTERM or the end of Run's context.
	shutdownGrace = 10 * time.Second
)

// Run serves h, wrapped by Wrap with opts, and logs one startup line.
//
// With AWS_LAMBDA_RUNTIME_API set (the Lambda runtime sets it) it runs the
// Lambda runtime loop, taking API Gateway HTTP API events (payload format
// 2.0; Lambda function URLs send the same) and never returns: the runtime
// ends the process. ctx is the parent of every invocation's context. As
// the process is the function's alone, opts.Logger also becomes the
// default slog and log logger there.
//
// Otherwise it serves HTTP on opts.Listen until ctx ends or the process
// gets SIGINT or SIGTERM, then lets requests in flight finish (up to 10 s)
// and returns nil; it returns an error if it cannot listen or serve.
func Run(ctx context.Context, h http.Handler, opts Options) error {
	o := opts.withDefaults()
	h = Wrap(h, o)
	if api := os.Getenv("AWS_LAMBDA_RUNTIME_API"); api != "" {
		o.Logger.LogAttrs(ctx, slog.LevelInfo, "serving",
			slog.String("mode", "lambda"),
			slog.String("runtime_api", api),
			slog.String("function", os.Getenv("AWS_LAMBDA_FUNCTION_NAME")),
			slog.Any("cors_origins", o.CORSOrigins),
			slog.Int64("max_request_bytes", o.MaxRequestBytes))
		// The runtime client and the adapter log with the log package;
		// through the default slog logger their lines are JSON too.
		slog.SetDefault(o.Logger)
		lambda.StartWithOptions(lambdaHandler(h), lambda.WithContext(ctx))
		// StartWithOptions exits the process when its loop fails.
		return errors.New("serve: the Lambda runtime loop returned")
	}
	return serveHTTP(ctx, h, o)
}

// lambdaHandler adapts h to API Gateway HTTP API events (payload format
// 2.0): the handler function Run gives the Lambda runtime. The API
// Gateway request context travels in the request's context, where
// requestID finds its requestId.
func lambdaHandler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return httpadapter.NewV2(asNetHTTP(h)).ProxyWithContext
}

// asNetHTTP gives h the two defaults of net/http that the adapter's
// response writer lacks: an answer nobody wrote is 200 (the adapter would
// fail it as 504 instead), and the answer to HEAD has no body.
func asNetHTTP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		var out http.ResponseWriter = rec
		if r.Method == http.MethodHead {
			out = headWriter{rec}
		}
		h.ServeHTTP(out, r)
		if rec.status == 0 {
			rec.WriteHeader(http.StatusOK)
		}
	})
}

// headWriter discards the body of an answer to HEAD.
type headWriter struct{ *recorder }

func (w headWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return len(p), nil
}

// serveHTTP is Run's local mode.
func serveHTTP(ctx context.Context, h http.Handler, o Options) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %q (%s): %w", o.Listen, EnvListen, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	addr := "http://" + ln.Addr().String()
	o.Logger.LogAttrs(ctx, slog.LevelInfo, "serving",
		slog.String("mode", "http"),
		slog.String("addr", addr),
		slog.Any("cors_origins", o.CORSOrigins),
		slog.Int64("max_request_bytes", o.MaxRequestBytes))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: HTTP on %s: %w", addr, err)
	case <-ctx.Done():
	}
	o.Logger.LogAttrs(context.Background(), slog.LevelInfo, "stopping",
		slog.String("addr", addr), slog.String("reason", context.Cause(ctx).Error()))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: stopping HTTP on %s within %v: %w", addr, shutdownGrace, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: HTTP on %s: %w", addr, err)
	}
	o.Logger.LogAttrs(context.Background(), slog.LevelInfo, "stopped", slog.String("addr", addr))
	return nil
}
