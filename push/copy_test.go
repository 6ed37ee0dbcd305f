package push_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/internal/pgtest"
	"partybot/push"
)

// TestCopyToPostgres: subscriptions reach PostgreSQL, where a document
// then finds them; copying again adds nothing.
func TestCopyToPostgres(t *testing.T) {
	ctx := context.Background()
	src, err := push.Open(ctx, filepath.Join(t.TempDir(), "push.db"))
	require.NoError(t, err)
	defer src.Close()
	dst, err := push.Open(ctx, pgtest.URL(t))
	require.NoError(t, err)
	defer dst.Close()
	_, err = src.Subscribe(ctx, push.Subscription{UserID: 1001, ChatID: 1001, Audiences: []string{"外卖骑手"}})
	require.NoError(t, err)

	copied, err := src.CopyTo(ctx, dst)
	require.NoError(t, err)
	require.NotEmpty(t, copied)
	assert.Equal(t, 1, copied[0].Written)
	subs, err := dst.Subscriptions(ctx, 1001)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, []string{"外卖骑手"}, subs[0].Audiences)

	again, err := src.CopyTo(ctx, dst)
	require.NoError(t, err)
	for _, c := range again {
		assert.Zero(t, c.Written, c.Table)
	}
}
