// Package corpus holds the documents and data files shipped inside the
// partybot binary: the seed bulletins under docs/, the glossary of
// Party-affairs terms (glossary.yaml) used for query expansion and routing,
// and the errata of the shipped documents (errata.yaml): corrections of
// their damage (a lost page, a misprint) kept as data, with the reason for
// each, and applied by the loaders of partybot/knowledge.
package corpus

import "embed"

// FS is the shipped corpus: docs/*.txt|md, glossary.yaml, cues.yaml and
// errata.yaml.
//
//go:embed docs glossary.yaml cues.yaml errata.yaml
var FS embed.FS

// GlossaryFile is the path of the glossary inside [FS]; read it with
// [partybot/glossary.Load](FS, GlossaryFile).
const GlossaryFile = "glossary.yaml"

// CuesFile is the path of the question cue words inside [FS]; read them
// with [partybot/question.Load](FS, CuesFile).
const CuesFile = "cues.yaml"

// ErrataFile is the path of the errata of the shipped documents inside
// [FS]. The loaders of partybot/knowledge apply them to the documents they
// load under the names [partybot/knowledge.LoadFS](FS, DocsDir) gives
// them; an erratum that no longer matches its document is an error there.
const ErrataFile = "errata.yaml"

// DocsDir is the folder of shipped documents inside [FS].
const DocsDir = "docs"
