package bot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/checklist"
)

// TestChecklistThresholdIsTheAnswers: a topic without a template is
// refused where a question would be.
func TestChecklistThresholdIsTheAnswers(t *testing.T) {
	assert.Equal(t, bot.DefaultMinCoverage, checklist.DefaultMinCoverage)
}

// TestChecklistOverKnowledgeBase drafts over the assistant's own knowledge
// base (package checklist tests over an index built like it): every
// shipped template finds each of its quotes, a topic without a template is
// drafted from passages, one outside the corpus is refused.
func TestChecklistOverKnowledgeBase(t *testing.T) {
	templates, err := checklist.ShippedTemplates()
	require.NoError(t, err)
	d, err := checklist.NewDrafter(context.Background(), MustOpenKnowledgeBase(t), templates)
	require.NoError(t, err)
	draft := func(t *testing.T, topic string) checklist.Checklist {
		t.Helper()
		c, err := d.Draft(context.Background(), topic, checklist.Options{})
		require.NoError(t, err)
		return c
	}
	for _, tpl := range templates {
		t.Run(tpl.ID, func(t *testing.T) {
			c := draft(t, tpl.Title)
			require.Equal(t, tpl.ID, c.Template)
			require.Len(t, c.Items, len(tpl.Items))
			for _, it := range c.Items {
				assert.NotZero(t, it.Cite, "quote not found: %q", it.Basis.Quote)
			}
		})
	}
	t.Run("passages", func(t *testing.T) {
		c := draft(t, "三会一课")
		assert.Equal(t, checklist.ModePassages, c.Mode, c.Message())
		assert.NotEmpty(t, c.Items)
	})
	t.Run("refused", func(t *testing.T) {
		c := draft(t, "党费收缴")
		assert.True(t, c.Refused(), c.Message())
		assert.Contains(t, c.Message(), "知识库中没有找到")
	})
}
