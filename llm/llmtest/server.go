// Package llmtest provides a fake OpenAI-compatible server for tests:
// /chat/completions (plain and SSE-streamed) and /embeddings, with
// programmable replies per request — answers, streamed chunks, errors with
// Retry-After, cut or hung connections — and a record of the requests.
//
//	srv := llmtest.NewServer(t)
//	srv.EnqueueChat(llmtest.RateLimited("1"), llmtest.Stream("你好", "，世界"))
//	cfg := llm.Config{BaseURL: srv.URL, ChatModel: "m"}
//
// Queued replies are used first, in order; then the handler set with
// HandleChat / HandleEmbed; then the defaults (an echo of the last user
// message, and deterministic hash vectors).
package llmtest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// Server is a fake OpenAI-compatible endpoint. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the base URL for llm.Config.BaseURL (it ends in /v1).
	URL string

	ts   *httptest.Server
	done chan struct{}
	once sync.Once

	mu         sync.Mutex
	key        string
	chatFn     func(ChatRequest) Reply
	embedFn    func(text string) []float32
	embedLimit func(EmbedRequest) *Reply
	shuffle    bool
	chatQueue  []Reply
	embedQueue []Reply
	chats      []ChatRequest
	embeds     []EmbedRequest
}

// ChatRequest is a chat request as the server saw it.
type ChatRequest struct {
	openai.ChatCompletionRequest
	N      int // 1-based sequence number among chat requests
	Header http.Header
	Body   []byte
}

// EmbedRequest is an embeddings request as the server saw it.
type EmbedRequest struct {
	N          int // 1-based sequence number among embedding requests
	Model      string
	Input      []string
	Dimensions int
	Header     http.Header
}

// ToolCall is a function call in a reply.
type ToolCall struct {
	Name      string
	Arguments string
}

// Reply programs the answer to one request.
type Reply struct {
	Status  int               // HTTP status; 0 means 200
	Header  map[string]string // extra response headers (Retry-After …)
	Body    string            // raw body, sent as is (overrides the fields below)
	Message string            // error message of a non-2xx reply, sent as OpenAI's error JSON

	Chunks   []string  // the answer in pieces; a non-streamed reply joins them
	Tool     *ToolCall // answer with a tool call instead of (or besides) text
	Finish   string    // finish_reason; "" means "stop"
	OmitDone bool      // streamed: end without "data: [DONE]"
	NoFinish bool      // streamed: no chunk carries a finish_reason

	CutAfter  int  // streamed: abort the connection after this many chunks (> 0)
	HangAfter int  // streamed: after this many chunks (> 0) go silent until the client leaves
	Hang      bool // send nothing at all until the client leaves
	Drop      bool // close the connection without answering
}

// Text is a reply with the whole answer in one piece.
func Text(s string) Reply { return Reply{Chunks: []string{s}} }

// Stream is a reply in pieces (one SSE event each when streamed).
func Stream(chunks ...string) Reply { return Reply{Chunks: chunks} }

// Tool is a reply calling the function name with the JSON arguments.
func Tool(name, arguments string) Reply {
	return Reply{Tool: &ToolCall{Name: name, Arguments: arguments}, Finish: "tool_calls"}
}

// Error is an OpenAI-style error reply.
func Error(status int, message string) Reply { return Reply{Status: status, Message: message} }

// RateLimited is a 429 reply with the given Retry-After header (none if
// empty).
func RateLimited(retryAfter string) Reply {
	r := Error(http.StatusTooManyRequests, "Rate limit reached, please try again later.")
	if retryAfter != "" {
		r.Header = map[string]string{"Retry-After": retryAfter}
	}
	return r
}

// Hang is a reply that never comes.
func Hang() Reply { return Reply{Hang: true} }

// Drop is a reply that closes the connection without a response.
func Drop() Reply { return Reply{Drop: true} }

// Cut streams the chunks, then aborts the connection (a reset mid-answer).
func Cut(chunks ...string) Reply { return Reply{Chunks: chunks, CutAfter: len(chunks)} }

// NewServer starts a fake server, closed when the test ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := New()
	tb.Cleanup(s.Close)
	return s
}

// New starts a fake server; the caller must Close it.
func New() *Server {
	s := &Server{done: make(chan struct{})}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL + "/v1"
	return s
}

// Close releases hung requests and stops the server.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// RequireKey makes the server answer 401 unless the request carries
// "Bearer key". The 401 message echoes the key it got, as some servers do.
func (s *Server) RequireKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = key
}

// HandleChat sets the answer to chat requests once the queue is empty.
func (s *Server) HandleChat(fn func(ChatRequest) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatFn = fn
}

// HandleEmbed sets the vector of a text (default: 8 deterministic,
// non-normalised dimensions).
func (s *Server) HandleEmbed(fn func(text string) []float32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedFn = fn
}

// LimitEmbed sets a check run on each embedding request after the queue:
// a non-nil Reply answers the request instead of the vectors (to refuse
// large batches, say).
func (s *Server) LimitEmbed(fn func(EmbedRequest) *Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedLimit = fn
}

// ShuffleEmbeddings makes the server list the vectors of a batch in reverse
// order (their index fields stay right).
func (s *Server) ShuffleEmbeddings(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shuffle = on
}

// EnqueueChat queues replies for the next chat requests.
func (s *Server) EnqueueChat(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatQueue = append(s.chatQueue, replies...)
}

// EnqueueEmbed queues replies for the next embedding requests; a reply
// with Status 0 and no Body means "answer normally".
func (s *Server) EnqueueEmbed(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedQueue = append(s.embedQueue, replies...)
}

// ChatRequests returns the chat requests received so far.
func (s *Server) ChatRequests() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.chats)
}

// EmbedRequests returns the embedding requests received so far.
func (s *Server) EmbedRequests() []EmbedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.embeds)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := s.key
	s.mu.Unlock()
	if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.write(w, r, Error(http.StatusUnauthorized, "Incorrect API key provided: "+got+"."), nil)
		return
	}
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		s.serveChat(w, r)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/embeddings"):
		s.serveEmbed(w, r)
	default:
		s.write(w, r, Error(http.StatusNotFound, "unknown route "+r.URL.Path), nil)
	}
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request) {
	var req ChatRequest
	body, err := readBody(r)
	if err == nil {
		err = json.Unmarshal(body, &req.ChatCompletionRequest)
	}
	if err != nil {
		s.write(w, r, Error(http.StatusBadRequest, "bad JSON: "+err.Error()), nil)
		return
	}
	req.Body, req.Header = body, r.Header.Clone()
	s.mu.Lock()
	s.chats = append(s.chats, req)
	req.N = len(s.chats)
	s.chats[req.N-1].N = req.N
	var reply Reply
	switch {
	case len(s.chatQueue) > 0:
		reply, s.chatQueue = s.chatQueue[0], s.chatQueue[1:]
	case s.chatFn != nil:
		fn := s.chatFn
		s.mu.Unlock()
		reply = fn(req)
		s.mu.Lock()
	default:
		reply = Text(lastUser(req.Messages))
	}
	s.mu.Unlock()
	s.write(w, r, reply, &req.ChatCompletionRequest)
}

func lastUser(msgs []openai.ChatCompletionMessage) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == openai.ChatMessageRoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

func (s *Server) serveEmbed(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Model      string `json:"model"`
		Input      any    `json:"input"`
		Dimensions int    `json:"dimensions"`
	}
	body, err := readBody(r)
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		s.write(w, r, Error(http.StatusBadRequest, "bad JSON: "+err.Error()), nil)
		return
	}
	var texts []string
	switch x := in.Input.(type) {
	case string:
		texts = []string{x}
	case []any:
		for _, t := range x {
			str, _ := t.(string)
			texts = append(texts, str)
		}
	}
	s.mu.Lock()
	req := EmbedRequest{N: len(s.embeds) + 1, Model: in.Model, Input: texts, Dimensions: in.Dimensions, Header: r.Header.Clone()}
	s.embeds = append(s.embeds, req)
	var reply Reply
	queued := len(s.embedQueue) > 0
	if queued {
		reply, s.embedQueue = s.embedQueue[0], s.embedQueue[1:]
	}
	fn, shuffle, limit := s.embedFn, s.shuffle, s.embedLimit
	s.mu.Unlock()
	if !queued && limit != nil {
		if lr := limit(req); lr != nil {
			s.write(w, r, *lr, nil)
			return
		}
	}
	if fn == nil {
		fn = HashVector
	}
	if queued && (reply.Status != 0 || reply.Body != "" || reply.Hang || reply.Drop) {
		s.write(w, r, reply, nil)
		return
	}
	data := make([]openai.Embedding, len(texts))
	for i, t := range texts {
		data[i] = openai.Embedding{Object: "embedding", Index: i, Embedding: fn(t)}
	}
	if shuffle {
		slices.Reverse(data)
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": in.Model,
		"usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}})
}

// HashVector is the default fake embedding: 8 dimensions derived from an
// FNV hash of the text, positive and not normalised.
func HashVector(text string) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	x := h.Sum64()
	v := make([]float32, 8)
	for i := range v {
		v[i] = float32(x>>(8*i)&0xff) + 1
	}
	return v
}

func readBody(r *http.Request) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(r.Body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// write sends reply; req is the chat request it answers (nil otherwise).
func (s *Server) write(w http.ResponseWriter, r *http.Request, reply Reply, req *openai.ChatCompletionRequest) {
	if reply.Hang {
		s.hang(r)
		return
	}
	if reply.Drop {
		panic(http.ErrAbortHandler)
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Body != "" {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply.Body))
		return
	}
	if status >= 300 {
		writeJSON(w, status, map[string]any{"error": map[string]any{
			"message": reply.Message, "type": errorType(status), "code": nil,
		}})
		return
	}
	if req != nil && req.Stream {
		s.stream(w, r, reply, req.Model)
		return
	}
	msg := map[string]any{"role": "assistant", "content": strings.Join(reply.Chunks, "")}
	if reply.Tool != nil {
		msg["tool_calls"] = []map[string]any{{"id": "call_1", "type": "function",
			"function": map[string]string{"name": reply.Tool.Name, "arguments": reply.Tool.Arguments}}}
	}
	model := ""
	if req != nil {
		model = req.Model
	}
	writeJSON(w, status, map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 1, "model": model,
		"choices": []map[string]any{{"index": 0, "message": msg, "finish_reason": finish(reply)}},
		"usage":   map[string]int{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	})
}

func finish(reply Reply) string {
	if reply.Finish == "" {
		return "stop"
	}
	return reply.Finish
}

func errorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == http.StatusUnauthorized:
		return "invalid_request_error"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, reply Reply, model string) {
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	event := func(delta map[string]any, fin any, flush bool) {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": model,
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": fin}},
		})
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flush && flusher != nil {
			flusher.Flush()
		}
	}
	for i, c := range reply.Chunks {
		delta := map[string]any{"content": c}
		if i == 0 {
			delta["role"] = "assistant"
		}
		n := i + 1
		// Before a hang, send the chunks in one write so that the client
		// gets them all, however the goroutines are scheduled.
		event(delta, nil, reply.HangAfter == 0 || n >= reply.HangAfter)
		if reply.CutAfter > 0 && n == reply.CutAfter {
			panic(http.ErrAbortHandler) // drops the connection mid-body
		}
		if reply.HangAfter > 0 && n == reply.HangAfter {
			s.hang(r)
			return
		}
	}
	if !reply.NoFinish {
		event(map[string]any{}, finish(reply), true)
	}
	if !reply.OmitDone {
		fmt.Fprint(w, "data: [DONE]\n\n")
		if flusher != nil {
			flusher.Flush()
		}
	}
}
