package tickets_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/sqlstore"
	"partybot/tickets"
)

// TestCopyToPostgres copies a SQLite store with tickets at every stage
// into PostgreSQL: each reads back the same, a second copy adds nothing,
// and the next ticket filed on PostgreSQL continues the numbering.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	src, _ := MustOpenStore(t, tickets.WithClock(clk.Now))
	dst, _ := postgresEngine.MustOpen(t, tickets.WithClock(clk.Now))

	var numbers []string
	for i, text := range benchTexts {
		tk := MustCreate(t, src, "u1", text)
		numbers = append(numbers, tk.Number)
		v := staff(tk.Department)
		if i >= 1 {
			_, err := src.Accept(ctx, v, tk.Number, "")
			require.NoError(t, err)
		}
		if i >= 2 {
			_, err := src.Resolve(ctx, v, tk.Number, "已处理")
			require.NoError(t, err)
		}
		if i >= 3 {
			_, err := src.Rate(ctx, user("u1"), tk.Number, 4, "满意")
			require.NoError(t, err)
		}
	}
	n := report("u2", tiananmen)
	n.Attachments = photos(t, 2)
	rep := mustFile(t, src, n)
	dup := mustFile(t, src, report("u3", north(tiananmen, 10)))
	_, err := src.Accept(ctx, admin, rep.Number, "")
	require.NoError(t, err)
	_, err = src.Verify(ctx, admin, rep.Number, "")
	require.NoError(t, err)
	numbers = append(numbers, rep.Number, dup.Number)
	clk.Add(30 * 24 * time.Hour)
	_, err = src.Sweep(ctx, clk.Now()) // overdue flags, 督办 ledger, closings
	require.NoError(t, err)

	copied, err := src.CopyTo(ctx, dst)
	require.NoError(t, err)
	written := map[string]sqlstore.Copied{}
	for _, c := range copied {
		written[c.Table] = c
		assert.Equal(t, c.Read, c.Written, "%s: every row is new to the destination", c.Table)
	}
	assert.Equal(t, len(numbers), written["tickets"].Written)
	assert.Equal(t, 2, written["ticket_attachments"].Written)
	assert.Positive(t, written["ticket_history"].Written)
	assert.Positive(t, written["notifications"].Written)

	for _, n := range numbers {
		want, err := src.FindTicketByNumber(ctx, admin, n)
		require.NoError(t, err)
		got, err := dst.FindTicketByNumber(ctx, admin, n)
		require.NoError(t, err)
		assert.Equal(t, want, got, n)
	}

	again, err := src.CopyTo(ctx, dst)
	require.NoError(t, err)
	for _, c := range again {
		assert.Zero(t, c.Written, "%s: copied twice", c.Table)
	}

	next := MustCreate(t, dst, "u2", "小区门口路灯坏了好几天了")
	assert.Greater(t, next.ID, int64(len(numbers)))
	assert.NotContains(t, numbers, next.Number)

	_, err = dst.CopyTo(ctx, src)
	assert.Error(t, err, "only SQLite to PostgreSQL")
}
