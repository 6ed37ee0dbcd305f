package push

import (
	"strings"
	"time"

	"partybot/knowledge"
)

// Notice is what a user is told of a document.
type Notice struct {
	Doc                 string // the document's name
	Title, Number, Date string
	// Extract says what the document is about, with citation markers;
	// Cites are the IDs of the passages [1], [2] … it cites: the button
	// for the full passages shows them.
	Extract string
	Cites   []string
}

// Delivery is a user's notice of a document.
type Delivery struct {
	ID             int64
	UserID, ChatID int64
	Why            string // why it concerns the user: "身份：外卖骑手；话题：驿站"
	Notice         Notice
	DueAt          time.Time // zero while the document is held
	SentAt         time.Time // zero until sent
	OpenedAt       time.Time // zero until the user opened the passages
}

// Text is the notice as a message: a heading with the title, the 文号 and
// date, the extract and why the user gets it.
func (d Delivery) Text() string {
	n := d.Notice
	var b strings.Builder
	b.WriteString("【政策推送】" + n.Title)
	var meta []string
	if n.Number != "" {
		meta = append(meta, n.Number)
	}
	if date := knowledge.ChineseDate(n.Date); date != "" {
		meta = append(meta, date)
	}
	if len(meta) > 0 {
		b.WriteString("\n" + strings.Join(meta, "，"))
	}
	if n.Extract != "" {
		b.WriteString("\n\n" + n.Extract)
	}
	if d.Why != "" {
		b.WriteString("\n\n推送原因：" + d.Why)
	}
	return b.String()
}
