// Package knowledge turns documents into passages the assistant can cite.
//
// It loads plain-text and Markdown documents ([LoadText], [LoadFS]), splits
// newsletter bulletins into their articles ([SplitBulletin]) with title,
// region, section, body and source line, cuts article bodies into
// Chinese-aware chunks ([ChunkArticle], [ChunkDocument]) that keep their
// article metadata for citations, and reads the glossary of Party-affairs
// terms used for query expansion ([ParseGlossary], [DefaultGlossary]).
//
// The package reads only the [fs.FS] it is given and the embedded corpus
// (partybot/corpus), and does not log: it returns errors.
package knowledge
