package telegram

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// maxUpdateBytes bounds the body of a webhook call.
const maxUpdateBytes = 1 << 20

// serveWebhook listens on Config.WebhookListen, registers the webhook
// with Telegram and takes updates until ctx ends; then it stops listening,
// letting the calls in progress queue their updates.
func (s *Server) serveWebhook(ctx context.Context) error {
	u, err := url.Parse(s.cfg.WebhookURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("telegram: bad webhook URL %q", s.cfg.WebhookURL)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	secret := cmp.Or(s.cfg.WebhookSecret, webhookSecret(s.token))
	mux := http.NewServeMux()
	mux.Handle(path, s.webhookHandler(secret))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	ln, err := net.Listen("tcp", s.cfg.WebhookListen)
	if err != nil {
		return fmt.Errorf("telegram: webhook listener: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if s.listening != nil {
		s.listening(ln.Addr())
	}

	cctx, cancel := context.WithTimeout(ctx, s.cfg.SendTimeout)
	_, err = s.bot.SetWebhook(cctx, &tgbot.SetWebhookParams{
		URL:            s.cfg.WebhookURL,
		SecretToken:    secret,
		MaxConnections: s.cfg.Workers,
		AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery},
	})
	cancel()
	if err != nil {
		srv.Close()
		<-served
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: setWebhook: %s", s.redact(err))
	}
	// The path may hold a secret of its own: never log it.
	s.log.Info("taking updates by webhook", "bot", s.username, "listen", ln.Addr().String(), "host", u.Host)

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("telegram: webhook listener: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("telegram: webhook listener: %w", err)
	}
	return nil
}

// webhookSecret is the default webhook secret token: derived from the bot
// token, so that replicas behind one webhook URL register the same one (a
// secret of its own for each would lock the others out) and nobody
// without the token can forge it.
func webhookSecret(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("partybot webhook secret"))
	return hex.EncodeToString(m.Sum(nil))
}

// webhookHandler takes updates POSTed by Telegram: it checks the secret
// token in constant time, queues the update and answers 200; a full queue
// makes the call wait, and a call that gives up gets 503, which Telegram
// retries.
func (s *Server) webhookHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u models.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxUpdateBytes)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if !s.take(r.Context(), &u) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
