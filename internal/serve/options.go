package serve

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
)

// Defaults of Options; a zero field means its default.
const (
	// DefaultListen is loopback only: a developer's local server should not
	// be reachable from the network unless asked for.
	DefaultListen = "127.0.0.1:8080"
	// DefaultMaxRequestBytes bounds a request body. GraphQL queries are a
	// few KiB and the API takes 16 KiB of query at most; 32 KiB leaves
	// room for variables, and a larger body is refused by its
	// Content-Length before it is read.
	DefaultMaxRequestBytes = 32 << 10
	// DefaultGzipMinBytes is the response size from which gzip pays: below
	// about 1 KiB the gzip header and the CPU cost outweigh the saving.
	DefaultGzipMinBytes = 1024
)

// Options configures Run and Wrap. The zero value means every default.
type Options struct {
	// Listen is the address of the local HTTP server (not used on Lambda).
	// Default DefaultListen; port 0 picks a free port, which the startup
	// log line names.
	Listen string
	// CORSOrigins are the browser origins allowed to call the API, such as
	// "https://start.stockholm"; "*" allows every origin. Default ["*"].
	CORSOrigins []string
	// MaxRequestBytes is the largest request body accepted; larger ones get
	// 413. Default DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// GzipMinBytes is the smallest response body that is gzip-compressed
	// for clients that accept it. Default DefaultGzipMinBytes.
	GzipMinBytes int
	// Logger receives the startup line, one access log line per request and
	// recovered panics. Default: JSON lines on standard error.
	Logger *slog.Logger
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if len(o.CORSOrigins) == 0 {
		o.CORSOrigins = []string{"*"}
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.GzipMinBytes <= 0 {
		o.GzipMinBytes = DefaultGzipMinBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return o
}

// Environment variables read by FromEnv; doc.go describes them.
const (
	EnvListen          = "INSYN_LISTEN"
	EnvCORSOrigins     = "INSYN_CORS_ORIGINS"
	EnvMaxRequestBytes = "INSYN_MAX_REQUEST_BYTES"
	EnvGzipMinBytes    = "INSYN_GZIP_MIN_BYTES"
)

// FromEnv reads Options from the INSYN_* environment variables; unset or
// empty variables leave the default. An invalid value is an error naming
// the variable and the value.
func FromEnv() (Options, error) {
	return fromLookup(os.LookupEnv)
}

// fromLookup is FromEnv over any variable source, so tests need not touch
// the process environment.
func fromLookup(lookup func(string) (string, bool)) (Options, error) {
	var o Options
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	if v := get(EnvListen); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			return Options{}, fmt.Errorf("%s=%q: want host:port, such as 127.0.0.1:8080 or :8080", EnvListen, v)
		}
		o.Listen = v
	}
	if v := get(EnvCORSOrigins); v != "" {
		for _, origin := range strings.Split(v, ",") {
			origin = strings.TrimSpace(origin)
			if err := checkOrigin(origin); err != nil {
				return Options{}, fmt.Errorf("%s=%q: origin %q %v", EnvCORSOrigins, v, origin, err)
			}
			o.CORSOrigins = append(o.CORSOrigins, origin)
		}
	}
	if v := get(EnvMaxRequestBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return Options{}, fmt.Errorf("%s=%q: want a positive number of bytes, such as 32768", EnvMaxRequestBytes, v)
		}
		o.MaxRequestBytes = n
	}
	if v := get(EnvGzipMinBytes); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return Options{}, fmt.Errorf("%s=%q: want a positive number of bytes, such as 1024", EnvGzipMinBytes, v)
		}
		o.GzipMinBytes = n
	}
	return o, nil
}

// checkOrigin accepts "*" or a browser origin, scheme://host[:port] with
// nothing after it: the Origin header a browser sends has exactly that
// form, so anything else could never match.
func checkOrigin(origin string) error {
	if origin == "*" {
		return nil
	}
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return fmt.Errorf("is not * or http(s)://host[:port]")
	}
	if host == "" || strings.ContainsAny(host, "/?#* ") {
		return fmt.Errorf("is not * or http(s)://host[:port] (no path, no trailing slash)")
	}
	return nil
}
