// Package retrieval finds the passages that answer a question: a lexical
// BM25 index over Chinese character unigrams and bigrams (the article's
// title folded into each of its passages) fused with vector search in
// chromem-go, over embeddings from a local hashed n-gram embedder or a
// model endpoint; glossary expansion of the query; and a coverage score —
// the share of what the question asks that a passage covers — by which the
// assistant refuses instead of guessing. An index is saved and loaded as
// one snapshot file, written atomically.
//
// [Hybrid] is the index; [Passage] and [Hit] are what goes in and comes
// out. The package does not log; it returns errors.
package retrieval
