package push

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"partybot/glossary"
	"partybot/knowledge"
)

// Document is a document added to the knowledge base, as push judges and
// announces it.
type Document struct {
	// Name is the document's name in the knowledge base (the path ingest
	// gives it, or an upload's name): deliveries and holds are by Name.
	Name string
	// Title, Number (文号) and Date (ISO, "2025-03-12") are what the
	// document states; Title is the file's name when it states none.
	Title, Number, Date string
	// Text is the document's text: what it concerns is judged on it.
	Text string
	// Passages are the document's passages as the knowledge base indexes
	// them; the extract cites them.
	Passages []Passage
}

// Passage is a passage of a [Document]: its ID in the knowledge base and
// its text.
type Passage struct {
	ID, Text string
}

// FromKnowledge returns the Document of a loaded document, its passages
// cut as the knowledge base cuts them (chunkRunes as there, 0 for
// [knowledge.DefaultChunkRunes]), so that their IDs are the index's.
func FromKnowledge(d knowledge.Document, chunkRunes int) Document {
	doc := Document{Name: d.Name, Title: d.Title, Number: d.DocNumber, Date: d.Date, Text: d.Text}
	for _, c := range d.Chunks(chunkRunes) {
		doc.Passages = append(doc.Passages, Passage{ID: c.ID, Text: c.Text})
	}
	return doc
}

// Citation names the document in a notice: its title, then its 文号 and
// date in brackets where known.
func (d Document) Citation() string {
	return knowledge.Document{Name: d.Name, Title: d.Title, DocNumber: d.Number, Date: d.Date}.Citation()
}

// checksum is the SHA-256 of the document's text.
func (d Document) checksum() string {
	sum := sha256.Sum256([]byte(d.Text))
	return hex.EncodeToString(sum[:])
}

// statesTitle reports whether the text states the title: on a line of
// its own (the line, a Markdown heading, a front matter's "title: …"), or
// in the text's opening lines (a title wrapped over two lines) unless the
// title is the file's name. A title the loader took from the file's name
// does not count, so a file named 外卖骑手.txt is not thereby about riders.
func (d Document) statesTitle() bool {
	t := glossary.Normalize(d.Title)
	if t == "" {
		return false
	}
	var head strings.Builder
	for line := range strings.Lines(d.Text) {
		l := glossary.Normalize(line)
		if strings.TrimPrefix(strings.TrimLeft(l, "#"), "title:") == t {
			return true
		}
		if head.Len() < titleHead {
			head.WriteString(l)
		}
	}
	return t != glossary.Normalize(baseName(d.Name)) && strings.Contains(head.String(), t)
}

// titleHead is how much of the text's start, in bytes, may hold a title
// wrapped over lines.
const titleHead = 1200

// baseName is the file name of a slash- or backslash-separated path
// without its extension.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name
}
