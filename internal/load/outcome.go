package load

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Outcome is how one request ended: the answer's status ("200", "400", …)
// or why there was no whole answer.
type Outcome string

// Outcomes of requests without a whole answer.
const (
	// EmptyReply: the connection was closed or reset before any answer.
	EmptyReply Outcome = "empty reply"
	// CutShort: the connection was closed or reset inside the answer.
	CutShort Outcome = "cut short"
	// TimedOut: no whole answer within the client's timeout.
	TimedOut Outcome = "timeout"
	// Refused: no connection; nothing listens (the server is gone).
	Refused Outcome = "refused"
	// Unfinished: still in flight when the run stopped.
	Unfinished Outcome = "unfinished"
	// OtherError: any other failure of the transport.
	OtherError Outcome = "other error"
)

// statusOutcome is the outcome of an answer with status code.
func statusOutcome(code int) Outcome { return Outcome(strconv.Itoa(code)) }

// Status returns the answer's status code, or 0 when o is not an answer.
func (o Outcome) Status() int {
	n, err := strconv.Atoi(string(o))
	if err != nil {
		return 0
	}
	return n
}

// failure classifies err, the error of sending a request (answered is
// whether the status had arrived).
func failure(err error, answered bool) Outcome {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return Unfinished
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return TimedOut
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		if answered {
			return CutShort
		}
		return EmptyReply
	}
	return OtherError
}

// Outcomes counts requests by outcome.
type Outcomes map[Outcome]int

// String lists the counts, answers by status first, e.g. "400: 12, empty
// reply: 1".
func (c Outcomes) String() string {
	keys := make([]Outcome, 0, len(c))
	for o := range c {
		keys = append(keys, o)
	}
	slices.SortFunc(keys, func(a, b Outcome) int {
		sa, sb := a.Status(), b.Status()
		switch {
		case sa != 0 && sb != 0:
			return sa - sb
		case sa != 0:
			return -1
		case sb != 0:
			return 1
		}
		return strings.Compare(string(a), string(b))
	})
	parts := make([]string, len(keys))
	for i, o := range keys {
		parts[i] = string(o) + ": " + strconv.Itoa(c[o])
	}
	return strings.Join(parts, ", ")
}
