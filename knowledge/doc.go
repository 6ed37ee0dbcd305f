// Package knowledge turns documents into passages the assistant can cite.
//
// It loads documents ([Load] for .txt, .md, .docx, .html, .pdf and .xlsx;
// [LoadText] for plain text and Markdown in UTF-8, UTF-16 or GB18030/GBK;
// [LoadFS]), reads the metadata they state (title, issuing body, document
// number and date; [Document.Citation]), splits newsletter bulletins into
// their articles ([SplitBulletin]) with title, region, section, body and
// source line, healing page breaks and warning about seams that look like
// a lost page ([Document.Warnings]), applies the errata of the shipped
// corpus to its documents ([Erratum], corpus/errata.yaml), cuts article
// bodies into Chinese-aware chunks
// ([ChunkArticle], [ChunkDocument]) that keep their article metadata for
// citations. The glossary of Party-affairs terms is in partybot/glossary.
//
// A loaded document keeps its extracted text ([Document.Text]); [Reload]
// rebuilds the document from it without the original file. Loaders bound
// the memory they use, by the bytes they read ([MaxFileSize], [CheckSize],
// [LoadReader]) and by the units they make of them (lines, paragraphs,
// table cells, sheet rows and columns, XML tokens; see limits.go), and
// return errors wrapping a few sentinels, with a message in Chinese that
// tells the user what to do ([Message]).
//
// PDFs are read with poppler's pdftotext when it is on PATH, else with a
// built-in extractor (github.com/ledongthuc/pdf), which reads fewer PDFs.
//
// The package reads only the data and [fs.FS] it is given and the embedded
// corpus (partybot/corpus), runs no program but pdftotext, and does not
// log: it returns errors.
package knowledge

// RulesVersion numbers the rules that turn a document into articles and
// passages (splitting, healing, errata): a knowledge base built under
// other rules is rebuilt.
const RulesVersion = 2
