// Package corpus holds the documents and data files shipped inside the
// partybot binary: the seed bulletins under docs/ and the glossary of
// Party-affairs terms (glossary.yaml) used for query expansion and routing.
package corpus

import "embed"

// FS is the shipped corpus: docs/*.txt|md and glossary.yaml.
//
//go:embed docs glossary.yaml
var FS embed.FS

// GlossaryFile is the path of the glossary inside [FS]; read it with
// [partybot/glossary.Load](FS, GlossaryFile).
const GlossaryFile = "glossary.yaml"

// DocsDir is the folder of shipped documents inside [FS].
const DocsDir = "docs"
