// Package retrieval finds the passages that answer a question: a lexical
// BM25 index over Chinese character unigrams and bigrams (the article's
// title folded into each of its passages) fused with vector search in
// chromem-go collections over embeddings from a local hashed n-gram
// embedder or a model endpoint, partitioned by k-means; glossary expansion of the query; and a coverage
// score — the share of what the question asks that a passage covers — by
// which the assistant refuses instead of guessing.
//
// An index is saved as immutable segment files listed by a small manifest
// ([Hybrid.Save]) and opened by mapping them into memory, without
// rebuilding anything ([OpenIndex]); a change adds a small segment
// ([Hybrid.Update]) and is saved as a new generation of the manifest.
//
// [Hybrid] is the index; [Passage] and [Hit] are what goes in and comes
// out. The package does not log; it returns errors.
package retrieval
