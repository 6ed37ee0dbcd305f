package prompts

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.tmpl"))

// Message is one chat message for a model: a role ("system", "user") and
// its content.
type Message struct {
	Role    string
	Content string
}

// Passage is a numbered passage given to the model as evidence.
type Passage struct {
	N      int
	Title  string
	Source string
	Text   string
}

// Turn is one earlier message of a conversation, for rewriting follow-ups.
type Turn struct {
	Role string // "用户" or "助手"
	Text string
}

// Department is a department a demand may be routed to.
type Department struct {
	Key, Name, Scope string
}

// AnswerMessages builds the messages that ask a model to answer question
// from the numbered passages only, citing them as [n], in at most
// maxRunes characters. Question and passages go inside delimited blocks;
// text that would close a block early is defused.
func AnswerMessages(question string, passages []Passage, maxRunes int) []Message {
	ps := make([]Passage, len(passages))
	for i, p := range passages {
		ps[i] = Passage{N: p.N, Title: defuse(p.Title), Source: defuse(p.Source), Text: defuse(p.Text)}
	}
	return []Message{
		{"system", render("answer-system.tmpl", map[string]any{"MaxRunes": maxRunes})},
		{"user", render("answer-user.tmpl", map[string]any{"Passages": ps, "Question": defuse(question)})},
	}
}

// JudgeMessages builds the messages that ask a model whether the numbered
// passages answer question — yes, in part, or not at all — as JSON, before
// any answer is written. Question and passages go inside delimited blocks.
func JudgeMessages(question string, passages []Passage) []Message {
	ps := make([]Passage, len(passages))
	for i, p := range passages {
		ps[i] = Passage{N: p.N, Title: defuse(p.Title), Source: defuse(p.Source), Text: defuse(p.Text)}
	}
	return []Message{
		{"system", render("judge-system.tmpl", nil)},
		{"user", render("judge-user.tmpl", map[string]any{"Passages": ps, "Question": defuse(question)})},
	}
}

// RewriteMessages builds the messages that ask a model to turn a follow-up
// question into a standalone one, given the recent turns.
func RewriteMessages(turns []Turn, question string) []Message {
	ts := make([]Turn, len(turns))
	for i, t := range turns {
		ts[i] = Turn{Role: t.Role, Text: defuse(t.Text)}
	}
	return []Message{
		{"system", render("rewrite-system.tmpl", nil)},
		{"user", render("rewrite-user.tmpl", map[string]any{"Turns": ts, "Question": defuse(question)})},
	}
}

// ExtractMessages builds the messages that ask a model for a demand's
// ticket fields (summary, category, department, urgency, location,
// contact) as JSON, choosing the department among depts.
func ExtractMessages(text string, depts []Department) []Message {
	return []Message{
		{"system", render("extract-system.tmpl", map[string]any{"Departments": depts})},
		{"user", render("extract-user.tmpl", map[string]any{"Text": defuse(text)})},
	}
}

// ChecklistMessages builds the messages that ask a model to adapt a
// checklist draft (its items, one line each) to an organisation and a
// deadline, from the numbered passages only, every item citing a passage
// number and quoting it exactly, as JSON.
func ChecklistMessages(org, due string, passages []Passage, items []string) []Message {
	ps := make([]Passage, len(passages))
	for i, p := range passages {
		ps[i] = Passage{N: p.N, Title: defuse(p.Title), Text: defuse(p.Text)}
	}
	its := make([]string, len(items))
	for i, it := range items {
		its[i] = defuse(it)
	}
	return []Message{
		{"system", render("checklist-system.tmpl", nil)},
		{"user", render("checklist-user.tmpl", map[string]any{"Org": defuse(org), "Due": defuse(due), "Passages": ps, "Items": its})},
	}
}

// blockTags are the delimiters of the prompts' blocks.
var blockTags = []string{"资料", "问题", "对话", "追问", "诉求", "单位", "时限", "清单草稿"}

// defuse keeps user and document text from closing or opening a prompt
// block: "</资料>" inside a document becomes "＜/资料＞".
func defuse(s string) string {
	for _, t := range blockTags {
		s = strings.ReplaceAll(s, "</"+t+">", "＜/"+t+"＞")
		s = strings.ReplaceAll(s, "<"+t+">", "＜"+t+"＞")
	}
	return s
}

func render(name string, data any) string {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		// The templates are embedded and tested: failing here is a bug.
		panic(fmt.Sprintf("prompts: render %s: %v", name, err))
	}
	return strings.TrimSpace(b.String())
}
