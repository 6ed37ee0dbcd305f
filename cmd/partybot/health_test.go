package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealthHandler(t *testing.T) {
	dbErr := errors.New("connection refused to db.internal:5432")
	var dbDown bool
	h := healthHandler(readiness{
		"database": func(context.Context) error {
			if dbDown {
				return dbErr
			}
			return nil
		},
		"index": func(context.Context) error { return nil },
	})
	get := func(path string) (int, map[string]string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var body map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
		assert.NotContains(t, rec.Body.String(), "db.internal", "no detail to an unauthenticated caller")
		return rec.Code, body
	}

	code, body := get("/healthz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "ok", body["status"])
	code, body = get("/readyz")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]string{"status": "ready", "database": "ok", "index": "ok"}, body)

	dbDown = true
	code, body = get("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "unavailable", body["database"])
	assert.Equal(t, "ok", body["index"])
	code, _ = get("/healthz")
	assert.Equal(t, http.StatusOK, code, "alive while the database is down")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/readyz", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
