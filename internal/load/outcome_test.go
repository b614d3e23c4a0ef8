package load

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// misbehaving answers as the request's path (/how/graphql) says: "close"
// closes the connection without an answer, "cut" sends half an answer
// and closes, "slow" answers after a second, "second" answers a
// connection's first request and closes it without an answer on the
// next; otherwise 400.
func misbehaving(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]int{} // requests per connection
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.RemoteAddr]++
		n := seen[r.RemoteAddr]
		mu.Unlock()
		hijack := func(write string) {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			buf.WriteString(write)
			buf.Flush()
			conn.Close()
		}
		switch how, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/graphql"); {
		case how == "close", how == "second" && n > 1:
			hijack("")
		case how == "cut":
			hijack("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":")
		case how == "slow":
			time.Sleep(time.Second)
			w.Write([]byte(`{}`))
		case how == "second":
			w.Write([]byte(`{}`))
		default:
			http.Error(w, `{"errors":[{"message":"no"}]}`, http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestOutcomes: a request's outcome is its status, or why it has no whole
// answer, for valid and abusive clients alike; a GET that Go's client
// sent again after the server closed its connection without an answer
// counts as an empty reply.
func TestOutcomes(t *testing.T) {
	srv := misbehaving(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nothing := "http://" + l.Addr().String()
	l.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	client := &http.Client{Timeout: 300 * time.Millisecond}
	for _, c := range []struct {
		name, target string
		ctx          context.Context
		want         Outcome
	}{
		{"answer", srv.URL, context.Background(), "400"},
		{"closed", srv.URL + "/close", context.Background(), EmptyReply},
		{"cut", srv.URL + "/cut", context.Background(), CutShort},
		{"slow", srv.URL + "/slow", context.Background(), TimedOut},
		{"nothing listens", nothing, context.Background(), Refused},
		{"run stopped", srv.URL + "/slow", canceled, Unfinished},
	} {
		t.Run(c.name, func(t *testing.T) {
			if o, err := send(c.ctx, client, c.target+"/graphql", []byte(`{}`)); o != c.want || err == nil {
				t.Errorf("valid client: %q (%v), want %q", o, err, c.want)
			}
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				if o := sendAbuse(c.ctx, client, Abuse{Name: "x", Method: method, Query: "{ x }"}, c.target, 0); o != c.want {
					t.Errorf("abusive client, %s: %q, want %q", method, o, c.want)
				}
			}
		})
	}

	get := Abuse{Name: "x", Method: http.MethodGet, Query: "{ x }"}
	if o := sendAbuse(context.Background(), client, get, srv.URL+"/second", 0); o != "200" {
		t.Fatalf("first GET on a connection: %q", o)
	}
	if o := sendAbuse(context.Background(), client, get, srv.URL+"/second", 1); o != EmptyReply {
		t.Errorf("second GET on the connection, closed without an answer and sent again: %q, want %q", o, EmptyReply)
	}
}

// TestOutcomesString: answers by status first, then the failures.
func TestOutcomesString(t *testing.T) {
	o := Outcomes{EmptyReply: 2, "400": 7, "200": 1, TimedOut: 3, "413": 1}
	if got, want := o.String(), "200: 1, 400: 7, 413: 1, empty reply: 2, timeout: 3"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
