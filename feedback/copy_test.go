package feedback_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/feedback"
)

// TestCopyToPostgres: answers and votes of a SQLite log reach PostgreSQL
// as they were; copying again adds nothing; new answers get new ids.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	src, _ := engines[0].MustOpen(t)
	dst, _ := engines[1].MustOpen(t)
	var ids []int64
	for _, q := range []string{"支部党员大会多久开一次？", "六同步是什么？", "换届前置审核怎么做？"} {
		id, err := src.RecordAnswer(ctx, answer("u1", q))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.NoError(t, src.Vote(ctx, ids[1], "u1", feedback.Down))

	c, err := src.CopyTo(ctx, dst)
	require.NoError(t, err)
	assert.Equal(t, 3, c.Read)
	assert.Equal(t, 3, c.Written)
	for _, id := range ids {
		want, err := src.FindAnswer(ctx, id)
		require.NoError(t, err)
		got, err := dst.FindAnswer(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}

	c, err = src.CopyTo(ctx, dst)
	require.NoError(t, err)
	assert.Zero(t, c.Written)
	id, err := dst.RecordAnswer(ctx, answer("u2", "八个一是什么？"))
	require.NoError(t, err)
	assert.Greater(t, id, ids[2])
	_, err = dst.CopyTo(ctx, src)
	assert.Error(t, err)
}
