package main

import (
	"context"
	"log/slog"
	"time"

	"partybot/bot"
	"partybot/web"
)

// webKB is the knowledge base as the console's 知识库 page sees it: the
// assistant's own, so that in serve an upload is answered from at once.
type webKB struct {
	kb      *bot.KnowledgeBase
	catalog *bot.Catalog
	answer  *bot.Answerer // the judgement of ask, without the model's prose
	push    bot.PushDesk  // nil: no policy notices
	logger  *slog.Logger
}

var _ web.KnowledgeBase = (*webKB)(nil)

// webKnowledgeBase returns the console's option for kb: its pages and API,
// with policy notices queued for what is uploaded, as chat uploads are.
func (m *Main) webKnowledgeBase(ctx context.Context, kb *bot.KnowledgeBase) (web.Option, error) {
	a, err := m.newAnswerer(kb)
	if err != nil {
		return nil, err
	}
	// The hit test needs the outcome, which the judge decides before any
	// prose is written: the model (if any) still judges, but writes nothing.
	a.Model = nil
	ps, err := m.openPush(ctx)
	if err != nil {
		return nil, err
	}
	c := bot.NewCatalog(kb)
	// The first listing reads every document's 文号 and date (about 0.2 s
	// a thousand short documents): do it before anyone asks.
	go c.Documents()
	return web.WithKnowledgeBase(&webKB{kb: kb, catalog: c, answer: a, push: ps, logger: m.Logger}), nil
}

// Documents lists the documents.
func (w *webKB) Documents() []web.KBDocument {
	entries := w.catalog.Documents()
	out := make([]web.KBDocument, len(entries))
	for i, e := range entries {
		out[i] = web.KBDocument{Name: e.Name, Title: e.Title, DocNumber: e.DocNumber, Date: e.Date,
			Passages: e.Passages, Shipped: e.Shipped, SHA256: e.Hash}
		if !e.Added.IsZero() {
			at := e.Added
			out[i].Added = &at
		}
	}
	return out
}

// UploadName names an uploaded file as a chat upload is named.
func (w *webKB) UploadName(file string) string { return bot.UploadDocName(file) }

// ingestStatus maps bot's statuses to the console's.
var ingestStatus = map[bot.IngestStatus]string{
	bot.IngestAdded: web.KBAdded, bot.IngestUpdated: web.KBUpdated,
	bot.IngestUnchanged: web.KBUnchanged, bot.IngestFailed: web.KBFailed,
}

// Ingest adds the files and queues the policy notices of those added or
// updated.
func (w *webKB) Ingest(ctx context.Context, files []web.KBFile) ([]web.KBResult, int, error) {
	srcs := make([]bot.Source, len(files))
	for i, f := range files {
		srcs[i] = bot.Source{Name: f.Name, Read: f.Read}
	}
	res, err := w.kb.Ingest(ctx, srcs, bot.IngestOptions{})
	if err != nil {
		return nil, 0, err
	}
	out := make([]web.KBResult, len(res))
	for i, r := range res {
		out[i] = web.KBResult{Name: r.Name, Status: ingestStatus[r.Status], Err: r.Err, Warnings: r.Warnings}
	}
	pushed := 0
	if w.push != nil {
		pushed, err = bot.QueuePush(ctx, w.push, res, w.kb.ChunkRunes(), time.Now())
		if err != nil { // the documents are in; only the notices failed
			w.logger.Error("web kb upload: queue policy notices", "err", err)
		}
	}
	return out, pushed, nil
}

// Remove removes the documents by name.
func (w *webKB) Remove(ctx context.Context, names []string) ([]string, error) {
	return w.kb.Remove(ctx, names, nil)
}

// HitTest asks q as ask does and reports the passages and the judgement.
func (w *webKB) HitTest(ctx context.Context, q string) (web.HitTest, error) {
	ans, err := w.answer.Ask(ctx, q)
	if err != nil {
		return web.HitTest{}, err
	}
	return web.HitTest{Question: q, Outcome: string(ans.Outcome), Refused: ans.Refused, Missing: ans.Missing,
		JudgedBy: ans.JudgedBy, MinCoverage: w.answer.MinCoverage, Answer: ans.Text, Hits: ans.Hits}, nil
}
