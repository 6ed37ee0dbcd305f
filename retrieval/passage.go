package retrieval

// Passage is a unit of retrieval: a chunk of a document with the title and
// source a citation names.
type Passage struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Source string `json:"source,omitempty"`
	Text   string `json:"text"`
	// Doc names the document the passage comes from.
	Doc string `json:"doc,omitempty"`
}

// Hit is a passage found for a query, best first.
type Hit struct {
	Passage
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
	// Coverage is the share of the query, weighted by rarity, that the
	// passage covers (0–1); low coverage means the passage does not answer.
	Coverage float64 `json:"coverage"`
}
