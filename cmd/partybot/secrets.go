package main

import (
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"partybot/redact"
)

// secretEnv are the environment variables that hold secrets: their values
// are masked in every log line and error message partybot prints.
var secretEnv = []string{"TELEGRAM_BOT_TOKEN", "OPENAI_API_KEY", "PARTYBOT_WEBHOOK_SECRET", "PARTYBOT_DATABASE_URL"}

// secretsFromEnv returns a Redactor of the secrets in the environment: the
// values of secretEnv, the secret half of the bot token and the password
// of a database URL.
func secretsFromEnv() *redact.Redactor {
	var secrets []string
	for _, name := range secretEnv {
		v := os.Getenv(name)
		secrets = append(secrets, v)
		if name == "TELEGRAM_BOT_TOKEN" {
			secrets = append(secrets, tokenSecret(v))
		}
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok {
				secrets = append(secrets, p)
			}
		}
	}
	return redact.New(secrets...)
}

// tokenSecret is the part of a bot token after its colon.
func tokenSecret(token string) string {
	_, secret, _ := strings.Cut(token, ":")
	return secret
}

// newLogger returns the program's logger on w: warnings and errors, with
// the secrets of r masked.
func newLogger(w io.Writer, r *redact.Redactor) *slog.Logger {
	return slog.New(r.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
