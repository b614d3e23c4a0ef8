// Package serve is the transport around insyn's API handler: one
// http.Handler, served as an AWS Lambda function behind API Gateway (HTTP
// API, payload format 2.0) or as a local HTTP server, with the same
// middleware either way. A function's main only reads the configuration,
// builds the handler and calls Run:
//
//	opts, err := serve.FromEnv()
//	...
//	err = serve.Run(ctx, handler, opts)
//
// Run chooses the mode: Lambda when AWS_LAMBDA_RUNTIME_API is set (the
// Lambda runtime sets it), local HTTP otherwise.
//
// Wrap adds, around the handler: a request id (API Gateway's on Lambda,
// else the client's X-Request-Id, else a new one; echoed in X-Request-Id),
// a JSON access log line per request (request_id, method, path, status,
// bytes, duration_ms, query_hash), a request body limit (413), CORS,
// gzip, 304 Not Modified for a matching If-None-Match, and recovery from
// panics (500). Errors it answers itself have the GraphQL shape
// {"errors":[{"message":"..."}]}.
//
// # Configuration
//
// FromEnv reads these environment variables; unset or empty means the
// default, an invalid value is an error naming the variable.
//
//	INSYN_LISTEN             address of the local HTTP server, host:port
//	                         (default 127.0.0.1:8080; not used on Lambda)
//	INSYN_CORS_ORIGINS       comma-separated browser origins allowed to call
//	                         the API, such as https://start.stockholm, or *
//	                         for any (default *)
//	INSYN_MAX_REQUEST_BYTES  largest request body in bytes; larger ones get
//	                         413 (default 32768)
//	INSYN_GZIP_MIN_BYTES     smallest answer in bytes that is gzip-compressed
//	                         for clients sending Accept-Encoding: gzip
//	                         (default 1024)
//
// If the HTTP API in front of the function has its own CORS configuration,
// API Gateway answers preflights itself and adds its headers; configure
// CORS in one place only.
package serve
