package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// readiness is what /readyz checks: each named check returns nil when its
// part is ready.
type readiness map[string]func(ctx context.Context) error

// healthHandler serves /healthz (the process answers: 200) and /readyz
// (every check passes within two seconds: 200; else 503 naming the parts
// that failed), for a load balancer or a supervisor. The body is JSON; it
// says which part failed and never why in detail, as it is unauthenticated.
func healthHandler(checks readiness) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeHealth(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		body := map[string]string{}
		code := http.StatusOK
		for name, check := range checks {
			if err := check(ctx); err != nil {
				body[name] = "unavailable"
				code = http.StatusServiceUnavailable
				continue
			}
			body[name] = "ok"
		}
		body["status"] = "ready"
		if code != http.StatusOK {
			body["status"] = "not ready"
		}
		writeHealth(w, code, body)
	})
	return mux
}

func writeHealth(w http.ResponseWriter, code int, body map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// serveHealth serves /healthz and /readyz on telegram.health_listen, when
// it is set, until Close: ready when the ticket database answers and
// the knowledge index is loaded.
func (m *Main) serveHealth(p *parts) error {
	addr := m.Config.Telegram.HealthListen
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("无法在 %s 上提供健康检查（telegram.health_listen）：%w", addr, err)
	}
	srv := &http.Server{Handler: healthHandler(readiness{
		"database": func(ctx context.Context) error { return p.store.DB().PingContext(ctx) },
		"index": func(context.Context) error {
			if _, _, ok := p.kb.Ready(); !ok {
				return errors.New("index not loaded")
			}
			return nil
		},
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	m.onClose(srv.Close)
	m.Logger.Info("health endpoints", "listen", ln.Addr().String())
	return nil
}
