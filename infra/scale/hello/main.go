// Command hello is the scale benchmark's baseline (infra/scale): the
// smallest net/http server that answers like the API, built and started
// as the API is. It listens on INSYN_LISTEN and answers every request with
// the bytes of HELLO_BODY as JSON, with no access log and no middleware,
// so a cold start or a throughput figure of the API can be set beside
// what a Go process and net/http cost on the same machine.
package main

import (
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := os.Getenv("INSYN_LISTEN")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	body := []byte(os.Getenv("HELLO_BODY"))
	if len(body) == 0 {
		body = []byte(`{"data":{}}`)
	}
	length := strconv.Itoa(len(body))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(addr, nil))
}
