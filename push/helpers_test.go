package push_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/knowledge"
	"partybot/push"
)

// mustRules returns the shipped rules.
func mustRules(tb testing.TB) *push.Rules {
	tb.Helper()
	r, err := push.DefaultRules()
	require.NoError(tb, err)
	return r
}

// mustDoc loads testdata/name as ingest loads a file.
func mustDoc(tb testing.TB, name string) push.Document {
	tb.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	d, err := knowledge.Load(path, data)
	require.NoError(tb, err)
	return push.FromKnowledge(d, 0)
}
