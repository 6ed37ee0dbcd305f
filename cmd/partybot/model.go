package main

import (
	"context"
	"fmt"
	"time"

	"partybot/bot"
	"partybot/llm"
	"partybot/retrieval"
	"partybot/tickets"
)

// modelClient returns the client of the model endpoint the environment
// configures (OPENAI_BASE_URL, OPENAI_API_KEY, PARTYBOT_CHAT_MODEL,
// PARTYBOT_EMBED_MODEL), or nil when none is: the offline default.
func (m *Main) modelClient() (*llm.Client, error) {
	if m.llmDone {
		return m.llm, nil
	}
	m.llmDone = true
	if err := m.loadConfig(); err != nil {
		return nil, err
	}
	cfg := llm.ConfigFromEnv()
	seconds := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	if l := m.Config.LLM; l.TimeoutSeconds > 0 {
		cfg.Timeout = seconds(l.TimeoutSeconds)
	}
	if l := m.Config.LLM; l.StreamIdleSeconds > 0 {
		cfg.StreamIdleTimeout = seconds(l.StreamIdleSeconds)
	}
	if r := m.Config.LLM.MaxRetries; r != nil {
		cfg.MaxRetries = *r
	}
	if !cfg.ChatEnabled() && !cfg.EmbedEnabled() {
		return nil, nil
	}
	c, err := llm.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("模型服务配置有误：%w", err)
	}
	m.llm = c
	return c, nil
}

// embedder is the passage embedder: the endpoint's embedding model when
// one is configured, the offline hash embedder otherwise.
func (m *Main) embedder() (retrieval.Embedder, error) {
	c, err := m.modelClient()
	if err != nil || c == nil || !c.Config().EmbedEnabled() {
		return nil, err
	}
	return c.TextEmbedder(), nil
}

// newAnswerer is the answerer of the assistant: with the endpoint's chat
// model when one is configured.
func (m *Main) newAnswerer(kb *bot.KnowledgeBase) (*bot.Answerer, error) {
	a := bot.NewAnswerer(kb)
	c, err := m.modelClient()
	if err != nil {
		return nil, err
	}
	if c != nil && c.Config().ChatEnabled() {
		a.Model, a.JudgeModel = c, c
		a.ModelTimeout = time.Duration(m.Config.LLM.AnswerTimeoutSeconds * float64(time.Second))
	}
	return a, nil
}

// extractor is how demand fields are drafted: structured output from the
// chat model when one is configured, checked and completed by the offline
// router; the router alone otherwise.
func (m *Main) extractor(r *tickets.Router) (tickets.ExtractFunc, error) {
	c, err := m.modelClient()
	if err != nil {
		return nil, err
	}
	if c == nil || !c.Config().ChatEnabled() {
		return r.ExtractContext, nil
	}
	return bot.ModelExtractor(c, r, 20*time.Second), nil
}

// openKnowledgeBaseWith opens the knowledge base with emb; when a remote
// embedder cannot build the index, it says so and falls back to the
// offline embedder.
func (m *Main) openKnowledgeBaseWith(ctx context.Context, emb retrieval.Embedder) (*bot.KnowledgeBase, error) {
	opt := bot.KnowledgeBaseOptions{Embedder: emb, Notice: func(s string) { fmt.Fprintln(m.Stderr, s) }}
	kb, err := bot.OpenKnowledgeBase(ctx, m.Config.DataDir, opt)
	if err != nil && emb != nil {
		fmt.Fprintf(m.Stderr, "嵌入模型服务不可用（%v），改用离线向量。\n", err)
		opt.Embedder = nil
		return bot.OpenKnowledgeBase(ctx, m.Config.DataDir, opt)
	}
	return kb, err
}
