// Package redact keeps secrets (the bot token, API keys, passwords in
// database URLs) out of logs and error messages. A secret is matched in
// every form a server or a library is likely to echo it in: as given,
// JSON-escaped, URL-encoded in either case of hex, and base64-encoded as in
// a Basic authorization header.
package redact

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/url"
	"slices"
	"strings"
)

// Mask replaces a secret.
const Mask = "[REDACTED]"

// minSecret is the shortest secret redacted: a shorter one would mask
// ordinary words.
const minSecret = 6

// Redactor removes a fixed set of secrets from text. The zero value and a
// nil *Redactor redact nothing. It is safe for concurrent use.
type Redactor struct {
	forms    []string // longest first, so that a longer form is masked whole
	replacer *strings.Replacer
}

// New returns a Redactor of secrets; empty and very short ones are
// ignored.
func New(secrets ...string) *Redactor {
	seen := map[string]bool{}
	var forms []string
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		for _, f := range Forms(s) {
			if !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	args := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		args = append(args, f, Mask)
	}
	return &Redactor{forms: forms, replacer: strings.NewReplacer(args...)}
}

// Forms returns the encodings of secret that are redacted.
func Forms(secret string) []string {
	forms := []string{secret}
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	if b, err := json.Marshal(secret); err == nil {
		add(strings.Trim(string(b), `"`))
	}
	add(strings.ReplaceAll(secret, "/", `\/`))
	for _, enc := range []string{url.QueryEscape(secret), url.PathEscape(secret)} {
		add(enc)
		add(lowerHex(enc))
	}
	add(base64.StdEncoding.EncodeToString([]byte(secret)))
	add(base64.RawURLEncoding.EncodeToString([]byte(secret)))
	return forms
}

// lowerHex writes the %XX escapes of s in lower case, as some servers do.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for j := i + 1; j <= i+2; j++ {
				if b[j] >= 'A' && b[j] <= 'F' {
					b[j] += 'a' - 'A'
				}
			}
		}
	}
	return string(b)
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// Error returns err's text with every secret masked, "" for nil.
func (r *Redactor) Error(err error) string {
	if err == nil {
		return ""
	}
	return r.String(err.Error())
}

// Handler wraps h so that no record it handles holds a secret: the
// message, and every attribute's value as it would be printed.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	if r == nil || len(r.forms) == 0 {
		return h
	}
	return &handler{r: r, next: h}
}

type handler struct {
	r    *Redactor
	next slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &handler{r: h.r, next: h.next.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{r: h.r, next: h.next.WithGroup(name)}
}

// attr returns a with its value redacted: groups attribute by attribute,
// anything else as the string it prints as.
func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindAny:
		s := v.String()
		if red := h.r.String(s); red != s {
			return slog.String(a.Key, red)
		}
		return slog.Attr{Key: a.Key, Value: v}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
