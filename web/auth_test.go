package web_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/internal/pgtest"
	"partybot/web"
)

// engines makes a new, empty database per engine: a file in the test's
// temporary directory, or a schema of the PostgreSQL test database (skipped
// without PARTYBOT_TEST_DATABASE_URL, failed without it under CI=true).
var engines = []struct {
	name  string
	newDB func(tb testing.TB) string
}{
	{"sqlite", func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "web.db") }},
	{"postgres", pgtest.URL},
}

// eachEngine runs test once per engine, as subtests "sqlite" and "postgres".
func eachEngine(t *testing.T, test func(t *testing.T, dsn func(testing.TB) string)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e.newDB) })
	}
}

// MustOpen opens a store at dsn and closes it at the end of the test.
func MustOpen(tb testing.TB, dsn string) *web.Store {
	tb.Helper()
	s, err := web.Open(context.Background(), dsn)
	require.NoError(tb, err, "open web store")
	tb.Cleanup(func() { s.Close() })
	return s
}

// clock is a settable clock for a store.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLinks(t *testing.T) {
	eachEngine(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		s := MustOpen(t, newDB(t))
		c := &clock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		s.SetNow(c.now)

		token, err := s.NewLink(ctx, "tg:1", "/tickets/2026-000001")
		require.NoError(t, err)
		assert.Len(t, token, 64)

		sid, user, next, err := s.Redeem(ctx, token)
		require.NoError(t, err)
		assert.Equal(t, "tg:1", user)
		assert.Equal(t, "/tickets/2026-000001", next)
		assert.NotEqual(t, token, sid)

		t.Run("used", func(t *testing.T) {
			_, _, _, err := s.Redeem(ctx, token)
			assert.Equal(t, apperr.EForbidden, apperr.Code(err))
		})
		t.Run("expired", func(t *testing.T) {
			old, err := s.NewLink(ctx, "tg:1", "")
			require.NoError(t, err)
			c.advance(web.LinkTTL + time.Second)
			_, _, _, err = s.Redeem(ctx, old)
			assert.Equal(t, apperr.EForbidden, apperr.Code(err))
		})
		t.Run("unknown", func(t *testing.T) {
			for _, tok := range []string{"", "nope", sid} {
				_, _, _, err := s.Redeem(ctx, tok)
				assert.Equal(t, apperr.EForbidden, apperr.Code(err), "token %q", tok)
			}
		})
		t.Run("no user", func(t *testing.T) {
			_, err := s.NewLink(ctx, "", "/")
			assert.Equal(t, apperr.EInvalid, apperr.Code(err))
		})
	})
}

func TestSessions(t *testing.T) {
	eachEngine(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		s := MustOpen(t, newDB(t))
		c := &clock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		s.SetNow(c.now)
		signIn := func(user string) string {
			tok, err := s.NewLink(ctx, user, "")
			require.NoError(t, err)
			sid, _, _, err := s.Redeem(ctx, tok)
			require.NoError(t, err)
			return sid
		}

		a1, a2, b := signIn("a"), signIn("a"), signIn("b")
		user, err := s.Session(ctx, a1)
		require.NoError(t, err)
		assert.Equal(t, "a", user)

		// Each request moves the idle expiry on.
		c.advance(web.SessionIdle - time.Minute)
		_, err = s.Session(ctx, a1)
		require.NoError(t, err)
		c.advance(web.SessionIdle - time.Minute)
		_, err = s.Session(ctx, a1)
		require.NoError(t, err, "a session in use does not expire")
		_, err = s.Session(ctx, a2)
		assert.Equal(t, apperr.EForbidden, apperr.Code(err), "idle session expired")

		_, err = s.Session(ctx, b)
		assert.Equal(t, apperr.EForbidden, apperr.Code(err))

		b = signIn("b")
		n, err := s.Logout(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = s.Session(ctx, a1)
		assert.Equal(t, apperr.EForbidden, apperr.Code(err), "logged out")
		_, err = s.Session(ctx, b)
		assert.NoError(t, err, "another user's session survives")

		_, err = s.Session(ctx, "")
		assert.Equal(t, apperr.EForbidden, apperr.Code(err))
	})
}

func TestTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, newDB func(testing.TB) string) {
		ctx := context.Background()
		dsn := newDB(t)
		s := MustOpen(t, dsn)
		t1, err := s.NewToken(ctx, "a")
		require.NoError(t, err)
		t2, err := s.NewToken(ctx, "a")
		require.NoError(t, err)
		t3, err := s.NewToken(ctx, "b")
		require.NoError(t, err)

		user, err := s.TokenUser(ctx, t1)
		require.NoError(t, err)
		assert.Equal(t, "a", user)

		require.NoError(t, s.RevokeToken(ctx, t1))
		_, err = s.TokenUser(ctx, t1)
		assert.Equal(t, apperr.EForbidden, apperr.Code(err))
		assert.Equal(t, apperr.ENotFound, apperr.Code(s.RevokeToken(ctx, t1)))
		_, err = s.TokenUser(ctx, t2)
		require.NoError(t, err)

		n, err := s.RevokeUserTokens(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = s.TokenUser(ctx, t2)
		assert.Equal(t, apperr.EForbidden, apperr.Code(err))

		// Reopening keeps the schema and the tokens.
		require.NoError(t, s.Close())
		s = MustOpen(t, dsn)
		user, err = s.TokenUser(ctx, t3)
		require.NoError(t, err)
		assert.Equal(t, "b", user)
	})
}

func TestLocalPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/tickets"},
		{"/", "/"},
		{"/tickets/2026-000001", "/tickets/2026-000001"},
		{"/stats?from=2026-01-01", "/stats?from=2026-01-01"},
		{"//evil.example/x", "/tickets"},
		{"/\\evil.example", "/tickets"},
		{"https://evil.example/", "/tickets"},
		{"tickets", "/tickets"},
		{"/a\r\nSet-Cookie: x", "/tickets"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := web.LocalPath(tc.in); got != tc.want {
				t.Fatalf("LocalPath(%q)=%q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
