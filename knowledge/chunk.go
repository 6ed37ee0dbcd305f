package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultChunkRunes is the default largest chunk, in runes (characters).
// Chosen by measurement on the QA sets (100–400 tried): 150 gave the best
// recall@1 without more false refusals.
const DefaultChunkRunes = 150

// Chunk is a passage of an article: the unit that is indexed, retrieved and
// cited. It carries the metadata a citation needs.
type Chunk struct {
	// ID is stable and deterministic: a hash of Doc, then Article and
	// Position, e.g. "3f1c9a0b7d2e4c55-0-3". It contains no white space.
	ID string
	// Doc is the document's name or path, as given to [ChunkArticle].
	Doc string
	// Title, Section, Region and Source are the article's.
	Title   string
	Section string
	Region  string
	Source  string
	// Heading is the subheading the text sits under, or "".
	Heading string
	// Article is the index of the article in its document.
	Article int
	// Position is the index of the chunk within its article.
	Position int
	// Text is the passage, paragraphs separated by "\n", never empty.
	Text string
}

// ChunkArticle cuts the body of article a, the articleIndex-th of document
// doc, into chunks of at most maxRunes runes (DefaultChunkRunes when
// maxRunes <= 0).
//
// Paragraphs come first: consecutive paragraphs are packed together,
// separated by "\n", while they fit, and a paragraph that does not fit in
// the current chunk starts a new one. A paragraph longer than maxRunes is
// cut into sentences, which are packed greedily: a sentence ends after
// 。！？；, ASCII !?; or ". ", together with the closing quotes or brackets
// that follow, as in "。”". A sentence longer than maxRunes is cut after its
// last "，" or "：" (ASCII "," ":") that fits, else after its last "、",
// else hard at maxRunes runes. A chunk never spans two subheadings, so its
// Heading is exact.
//
// White space at the edges of paragraphs and sentences is dropped (a run of
// it between two sentences becomes one space) and invalid UTF-8 is replaced
// by U+FFFD; no other text is changed or lost.
func ChunkArticle(doc string, articleIndex int, a Article, maxRunes int) []Chunk {
	if maxRunes <= 0 {
		maxRunes = DefaultChunkRunes
	}
	c := chunker{max: maxRunes, base: Chunk{
		Doc: doc, Title: a.Title, Section: a.Section, Region: a.Region, Source: a.Source,
		Article: articleIndex,
	}, prefix: docKey(doc) + "-" + strconv.Itoa(articleIndex) + "-"}
	for i, p := range a.Paragraphs {
		if i > 0 && p.Heading != a.Paragraphs[i-1].Heading {
			c.flush()
		}
		c.heading = p.Heading
		c.add(p.Text)
	}
	c.flush()
	return c.chunks
}

// ChunkDocument parses text as the document named doc (Markdown when the
// name ends in ".md" or ".markdown", a bulletin or plain text otherwise; see
// [LoadText]) and cuts all its articles into chunks with [ChunkArticle].
// Unlike [LoadText] it does not check the text: invalid UTF-8 is replaced.
func ChunkDocument(doc string, text string, maxRunes int) []Chunk {
	return newDocument(doc, parseText(doc, text)).Chunks(maxRunes)
}

// docKey returns a short hash of a document name, for chunk IDs.
func docKey(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:8])
}

// chunker packs the paragraphs of one article into chunks.
type chunker struct {
	max     int
	base    Chunk
	prefix  string
	heading string
	chunks  []Chunk
	buf     strings.Builder
	n       int // runes in buf
}

// add packs one paragraph.
func (c *chunker) add(text string) {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = strings.TrimSpace(text)
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return
	case n <= c.max:
		if c.n > 0 && c.n+1+n > c.max {
			c.flush()
		}
		c.write("\n", text, n)
		return
	}
	c.flush()
	for _, s := range sentences(text) {
		for _, p := range cutLong(s, c.max) {
			sep := ""
			if p.gap {
				sep = " "
			}
			n := utf8.RuneCountInString(p.text)
			if c.n > 0 && c.n+len(sep)+n > c.max {
				c.flush()
			}
			c.write(sep, p.text, n)
		}
	}
}

// write appends text of n runes, after sep when the chunk is not empty.
func (c *chunker) write(sep, text string, n int) {
	if c.n > 0 {
		c.buf.WriteString(sep)
		c.n += utf8.RuneCountInString(sep)
	}
	c.buf.WriteString(text)
	c.n += n
}

func (c *chunker) flush() {
	if c.n == 0 {
		return
	}
	ch := c.base
	ch.Heading = c.heading
	ch.Position = len(c.chunks)
	ch.ID = c.prefix + strconv.Itoa(ch.Position)
	ch.Text = c.buf.String()
	c.chunks = append(c.chunks, ch)
	c.buf.Reset()
	c.n = 0
}

// piece is a sentence or part of one, trimmed and not empty.
type piece struct {
	text string
	gap  bool // white space came before it in the paragraph
}

// sentences splits text into sentences.
func sentences(text string) []piece {
	var out []piece
	add := func(s string) {
		lead := strings.TrimLeftFunc(s, unicode.IsSpace)
		if t := strings.TrimRightFunc(lead, unicode.IsSpace); t != "" {
			out = append(out, piece{text: t, gap: len(lead) < len(s)})
		}
	}
	start := 0
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if !endsSentence(r, text[i:]) {
			continue
		}
		// Take along further final marks and closing quotes: "！？", "。”".
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !strings.ContainsRune("。！？；!?;", r) && !strings.ContainsRune(closers, r) {
				break
			}
			i += size
		}
		add(text[start:i])
		start = i
	}
	add(text[start:])
	return out
}

// endsSentence reports whether r, followed by rest, ends a sentence. An
// ASCII full stop does only before white space or at the end ("3.5" and
// "e.g.x" do not end sentences).
func endsSentence(r rune, rest string) bool {
	switch r {
	case '。', '！', '？', '；', '!', '?', ';':
		return true
	case '.':
		next, _ := utf8.DecodeRuneInString(rest)
		return rest == "" || unicode.IsSpace(next)
	}
	return false
}

// cutLong cuts a sentence longer than max runes after its last clause
// break ("，", "：") that fits, else after its last "、", else hard at max
// runes.
func cutLong(p piece, max int) []piece {
	var out []piece
	for s := p.text; s != ""; {
		clause, item, end, n := 0, 0, 0, 0 // byte offsets; runes taken
		for end < len(s) && n < max {
			r, size := utf8.DecodeRuneInString(s[end:])
			end += size
			n++
			switch {
			case strings.ContainsRune("，：,:", r):
				clause = end
			case r == '、':
				item = end
			}
		}
		if end == len(s) { // the rest fits
			return append(out, piece{text: s, gap: p.gap})
		}
		cut := clause
		if cut == 0 {
			cut = item
		}
		if cut == 0 {
			cut = end
		}
		out = append(out, piece{text: strings.TrimSpace(s[:cut]), gap: p.gap})
		rest := strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
		p.gap = rest != s[cut:]
		s = rest
	}
	return out
}
