package attack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
)

// client asks the API's http.Handler, as any user of the API would: a
// GraphQL request by POST at path, decoded from the answer's JSON. It holds
// no other way into the service.
type client struct {
	h    http.Handler
	path string
	n    int // requests sent
}

// gqlError is one GraphQL error of an answer.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// code is the error's extensions.code ("NOT_PUBLISHED", "BAD_INPUT", …).
func (e gqlError) code() string {
	c, _ := e.Extensions["code"].(string)
	return c
}

// query sends a GraphQL query with its variables and decodes the answer's
// data into out. It returns the GraphQL errors, if any, and an error when
// the transport or the JSON fails.
func (c *client) query(q string, vars map[string]any, out any) ([]gqlError, error) {
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodPost, c.path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	c.n++
	var a struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		return nil, fmt.Errorf("status %d, answer is not JSON: %w", rec.Code, err)
	}
	if len(a.Errors) > 0 {
		return a.Errors, nil
	}
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(a.Data, out); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", a.Data, err)
		}
	}
	return nil, nil
}

// get fetches a URL below the handler (an open-data file) and returns its
// body.
func (c *client) get(target string) ([]byte, error) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	c.n++
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s", target, rec.Code, rec.Body)
	}
	return rec.Body.Bytes(), nil
}
