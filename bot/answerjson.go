package bot

import (
	"partybot/apperr"
	"partybot/question"
)

// AnswerJSON is an answer as "partybot ask --json" prints it and POST
// /api/v1/ask returns it: one object per question.
type AnswerJSON struct {
	Question string       `json:"question"`
	Answer   string       `json:"answer"`
	Refused  bool         `json:"refused"`
	Outcome  string       `json:"outcome"`
	Missing  string       `json:"missing,omitempty"`
	Mode     string       `json:"mode"`
	Sources  []SourceJSON `json:"sources"`
	Error    string       `json:"error,omitempty"`
}

// SourceJSON is a retrieved passage of an [AnswerJSON].
type SourceJSON struct {
	Rank   int     `json:"rank"`
	Title  string  `json:"title"`
	Source string  `json:"source"`
	Text   string  `json:"text"`
	Score  float64 `json:"score"`
}

// NewAnswerJSON is the object of the answer ans to q, or of the error err
// that kept q from being answered (refused, with the error's message).
func NewAnswerJSON(q string, ans Answer, err error) AnswerJSON {
	out := AnswerJSON{Question: q, Answer: ans.Text, Refused: ans.Refused, Outcome: string(ans.Outcome), Missing: ans.Missing,
		Mode: ans.Mode, Sources: []SourceJSON{}}
	if err != nil {
		out.Error, out.Refused, out.Outcome = apperr.Message(err), true, string(question.Refused)
	}
	for _, h := range ans.Hits {
		out.Sources = append(out.Sources, SourceJSON{Rank: h.Rank, Title: h.Title, Source: h.Source, Text: h.Text, Score: h.Score})
	}
	return out
}
