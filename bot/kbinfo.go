package bot

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"partybot/knowledge"
)

// DocumentEntry is an indexed document as a listing shows it (the web
// console's 知识库 page).
type DocumentEntry struct {
	Name  string
	Title string
	// DocNumber (文号) and Date (YYYY-MM-DD) are what the document states;
	// "" when it does not.
	DocNumber, Date string
	Hash            string // SHA-256 of the document's bytes
	Shipped         bool
	Passages        int
	// Added is when this version was ingested (its record was written);
	// zero for a shipped document, or when its record is missing.
	Added time.Time
}

// Catalog lists the documents of a knowledge base with what each states
// (文号, date) and when it was added. Finding the 文号 and date means
// reading a document's text again, so each version's is remembered: a
// listing costs that once per document, then nothing. It is safe for
// concurrent use.
type Catalog struct {
	kb   *KnowledgeBase
	mu   sync.Mutex
	seen map[string]catalogEntry // by name and hash
}

type catalogEntry struct {
	number, date string
	added        time.Time
}

// NewCatalog returns the catalog of kb.
func NewCatalog(kb *KnowledgeBase) *Catalog {
	return &Catalog{kb: kb, seen: map[string]catalogEntry{}}
}

// Documents lists the indexed documents by name.
func (c *Catalog) Documents() []DocumentEntry {
	c.kb.mu.RLock()
	idx := c.kb.idx
	c.kb.mu.RUnlock()
	infos := idx.DocumentInfos()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	out := make([]DocumentEntry, len(infos))
	c.mu.Lock()
	defer c.mu.Unlock()
	live := make(map[string]bool, len(infos))
	for i, d := range infos {
		key := d.Name + "\x00" + d.Hash
		live[key] = true
		e, ok := c.seen[key]
		if !ok {
			if text, held := idx.DocumentText(d.Name); held {
				if doc, err := knowledge.Reload(d.Name, text); err == nil {
					e.number, e.date = doc.DocNumber, doc.Date
				}
			}
			if !d.Shipped {
				if st, err := os.Stat(filepath.Join(c.kb.dir, recordDir, recordFile(d.Name, d.Hash))); err == nil {
					e.added = st.ModTime()
				}
			}
			c.seen[key] = e
		}
		out[i] = DocumentEntry{Name: d.Name, Title: d.Title, DocNumber: e.number, Date: e.date, Hash: d.Hash,
			Shipped: d.Shipped, Passages: d.Passages, Added: e.added}
	}
	for key := range c.seen { // versions replaced or removed
		if !live[key] {
			delete(c.seen, key)
		}
	}
	return out
}

// UploadDocName is the name a file sent by a user (through the chat or the
// web console) is kept under in the knowledge base: "upload/" and the file
// name made safe as [Assistant.Upload] makes it.
func UploadDocName(file string) string { return uploadPrefix + uploadName(file) }
