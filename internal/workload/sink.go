package workload

import (
	"bytes"
	"net/http"
)

// Sink is the http.ResponseWriter the benchmarks time the handler with
// in-process: it keeps the answer in a buffer reused from one request to
// the next, as a server writes it into its connection's buffer.
// httptest.ResponseRecorder instead copies every answer into a new
// buffer, a megabyte for the largest table, which doubled a request's
// allocations (and the garbage collector's work) in the figures it gave.
type Sink struct {
	header http.Header
	Status int
	Body   bytes.Buffer
}

// Reset readies s for the next request.
func (s *Sink) Reset() {
	if s.header == nil {
		s.header = http.Header{}
	}
	clear(s.header)
	s.Status = 0
	s.Body.Reset()
}

// Header is the answer's header.
func (s *Sink) Header() http.Header {
	if s.header == nil {
		s.header = http.Header{}
	}
	return s.header
}

// WriteHeader keeps the status.
func (s *Sink) WriteHeader(status int) {
	if s.Status == 0 {
		s.Status = status
	}
}

// Write appends to the body (status 200 unless written before).
func (s *Sink) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return s.Body.Write(b)
}
