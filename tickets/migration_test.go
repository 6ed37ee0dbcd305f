package tickets_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/tickets"
)

// version3 writes at dsn the schema of migrations 001–003, as a database
// filed before ticket kinds had it, with one demand in its history.
func version3(tb testing.TB, e testEngine, dsn string) {
	tb.Helper()
	ctx := context.Background()
	db := e.RawDB(tb, dsn)
	defer db.Close() // before the store opens the database
	files := []string{filepath.Join("migration", e.Name, "001_init.sql"),
		filepath.Join("migration", "002_notification_ticket.sql"), filepath.Join("migration", "003_outbox_leases.sql")}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(tb, err)
		_, err = db.ExecContext(ctx, string(b))
		require.NoError(tb, err, f)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '001_init.sql', 1), (2, '002_notification_ticket.sql', 1), (3, '003_outbox_leases.sql', 1)`,
		`INSERT INTO ticket_seq VALUES (2026, 1)`,
		`INSERT INTO tickets (id, number, year, seq, submitter_id, channel, text, department, urgency, location, status,
			created_at, respond_due, due_at, updated_at)
			VALUES (1, '2026-000001', 2026, 1, 'old', 'chat', '小区路灯坏了', 'chengguan', 'normal', '幸福里', 'dispatched',
			1772413200000, 1772499600000, 1772845200000, 1772413200000)`,
		`INSERT INTO ticket_history (ticket_id, at, actor, action, from_status, to_status, note)
			VALUES (1, 1772413200000, 'old', 'create', '', 'submitted', ''), (1, 1772413200000, 'system', 'dispatch', 'submitted', 'dispatched', '')`,
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(tb, err, q)
	}
	if e.Name == "postgres" {
		_, err := db.ExecContext(ctx, "ALTER TABLE tickets ALTER COLUMN id RESTART WITH 2")
		require.NoError(tb, err)
	}
}

// TestMigrateFromVersion3: a ticket database of schema version 3 gains
// kinds, coordinates and attachments; its tickets are demands that go on
// as before, and new reports file beside them.
func TestMigrateFromVersion3(t *testing.T) {
	eachEngine(t, func(t *testing.T, e testEngine) {
		ctx := context.Background()
		dsn := e.NewDB(t)
		version3(t, e, dsn)
		s := e.MustOpenAt(t, dsn)
		v, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, latestVersion, v, "schema version")

		old, err := s.FindTicketByNumber(ctx, admin, "2026-000001")
		require.NoError(t, err)
		assert.Equal(t, tickets.KindDemand, old.Kind)
		assert.Equal(t, "幸福里", old.Location)
		assert.Nil(t, old.Coords)
		assert.Empty(t, old.Attachments)
		assert.Empty(t, old.Outcome)
		assert.Equal(t, [][2]string{{"old", ""}, {"system", ""}}, vias(old), "rows written before say nothing of where")
		_, err = s.Accept(ctx, admin, old.Number, "")
		require.NoError(t, err)
		_, err = s.Resolve(ctx, admin, old.Number, "已修复")
		require.NoError(t, err)

		n := report("u", tiananmen)
		n.Attachments = photos(t, 2)
		rep := mustFile(t, s, n)
		assert.Equal(t, "2026-000002", rep.Number)
		_, err = s.Accept(ctx, admin, rep.Number, "")
		require.NoError(t, err)
		_, err = s.Verify(ctx, admin, rep.Number, "")
		require.NoError(t, err)
		got, err := s.FindTicketByNumber(ctx, admin, rep.Number)
		require.NoError(t, err)
		assert.Len(t, got.Attachments, 2)
		assert.Equal(t, tickets.OutcomeVerified, got.Outcome)
		checkHistory(t, got)

		st, err := s.Stats(ctx, admin, tickets.StatsFilter{})
		require.NoError(t, err)
		assert.Equal(t, 2, st.Total.Received)
		assert.Equal(t, 1, st.Total.Reports)
		assert.Equal(t, 1, st.Total.ReportsVerified)
	})
}
