package points_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
)

// TestCopyToPostgres: the ledger and opt-ins of a SQLite file reach
// PostgreSQL as they were; copying again adds only what is new; once
// PostgreSQL has entries of its own, copying is refused.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	src, _ := engines[0].MustOpen(t)
	dst, _ := engines[1].MustOpen(t)
	for _, n := range []string{"2026-000001", "2026-000002"} {
		_, err := src.Award(ctx, verify("u1", n))
		require.NoError(t, err)
	}
	require.NoError(t, src.SetRankOptIn(ctx, "u1", "小王", true))

	c, err := src.CopyTo(ctx, dst)
	require.NoError(t, err)
	require.Len(t, c, 2)
	assert.Equal(t, 2, c[0].Written)
	assert.Equal(t, 1, c[1].Written)
	want, err := src.Entries(ctx, "u1", 0)
	require.NoError(t, err)
	got, err := dst.Entries(ctx, "u1", 0)
	require.NoError(t, err)
	assert.Equal(t, want, got)

	_, err = src.Award(ctx, verify("u1", "2026-000003"))
	require.NoError(t, err)
	c, err = src.CopyTo(ctx, dst)
	require.NoError(t, err)
	assert.Equal(t, 1, c[0].Written, "only the new entry")
	assertBalance(t, dst, "u1", 30)

	r, err := dst.Award(ctx, verify("u1", "2026-000004"))
	require.NoError(t, err)
	assert.Equal(t, int64(4), r.Entry.ID, "ids go on past the copied ones")
	_, err = src.Award(ctx, verify("u2", "2026-000005"))
	require.NoError(t, err)
	_, err = src.CopyTo(ctx, dst)
	assert.Equal(t, apperr.EConflict, apperr.Code(err))
	_, err = dst.CopyTo(ctx, src)
	assert.Error(t, err)
}
