package checklist_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"partybot/checklist"
	"partybot/corpus"
	"partybot/glossary"
	"partybot/knowledge"
	"partybot/retrieval"
)

// corpusIndex is the shipped corpus indexed as the assistant's knowledge
// base indexes it (bot.KnowledgeBase: the same chunks, offline embedder
// and glossary), built once for all tests.
var corpusIndex = sync.OnceValues(func() (*retrieval.Hybrid, error) {
	docs, err := knowledge.LoadFS(corpus.FS, corpus.DocsDir)
	if err != nil {
		return nil, err
	}
	g, err := glossary.Load(corpus.FS, corpus.GlossaryFile)
	if err != nil {
		return nil, err
	}
	var ps []retrieval.Passage
	for _, d := range docs {
		ps = append(ps, passagesOf(d)...)
	}
	return retrieval.NewHybrid(context.Background(), ps, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, retrieval.NewExpander(g))
})

// passagesOf chunks a document as bot.KnowledgeBase does: each passage
// opens with its subheading, and names the article's source line or the
// document's number and date.
func passagesOf(doc knowledge.Document) []retrieval.Passage {
	var meta []string
	if doc.DocNumber != "" {
		meta = append(meta, doc.DocNumber)
	}
	if d := knowledge.ChineseDate(doc.Date); d != "" {
		meta = append(meta, d)
	}
	var ps []retrieval.Passage
	for _, c := range doc.Chunks(knowledge.DefaultChunkRunes) {
		text := c.Text
		if c.Heading != "" {
			text = c.Heading + "\n" + text
		}
		source := c.Source
		if source == "" && len(meta) > 0 {
			source = strings.Join(meta, "，")
		}
		ps = append(ps, retrieval.Passage{ID: c.ID, Doc: c.Doc, Title: c.Title, Source: source, Text: text})
	}
	return ps
}

// mustCorpusIndex returns the index of the shipped corpus.
func mustCorpusIndex(tb testing.TB) *retrieval.Hybrid {
	tb.Helper()
	idx, err := corpusIndex()
	require.NoError(tb, err)
	return idx
}

// mustShipped returns the shipped templates.
func mustShipped(tb testing.TB) []checklist.Template {
	tb.Helper()
	ts, err := checklist.ShippedTemplates()
	require.NoError(tb, err)
	return ts
}

// mustDrafter returns a drafter over the shipped corpus and templates,
// plus extra templates.
func mustDrafter(tb testing.TB, extra ...checklist.Template) *checklist.Drafter {
	tb.Helper()
	d, err := checklist.NewDrafter(context.Background(), mustCorpusIndex(tb), append(mustShipped(tb), extra...))
	require.NoError(tb, err)
	return d
}

// mustDraft drafts topic, failing on an error.
func mustDraft(tb testing.TB, d *checklist.Drafter, topic string, opt checklist.Options) checklist.Checklist {
	tb.Helper()
	c, err := d.Draft(context.Background(), topic, opt)
	require.NoError(tb, err, "Draft(%q)", topic)
	return c
}
