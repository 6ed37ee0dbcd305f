package checklist

import (
	"fmt"
	"strings"
)

// Markdown renders the checklist as a Markdown document: the title, how it
// was drafted, the 台账 as a table with the same columns as the .xlsx, the
// notes and the sources. A refused checklist renders as its refusal.
func (c Checklist) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdText(c.heading()))
	if c.Refused() {
		b.WriteString(mdText(c.refusal) + "\n")
		return b.String()
	}
	b.WriteString(mdText(c.subtitle()) + "\n\n")
	head := make([]string, len(columns))
	rule := make([]string, len(columns))
	for i, col := range columns {
		head[i], rule[i] = col.title, "---"
	}
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString("| " + strings.Join(rule, " | ") + " |\n")
	for n, it := range c.Items {
		cells := it.row(n + 1)
		cells[3] += it.marker()
		for i := range cells {
			cells[i] = mdCell(cells[i])
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	for _, n := range c.Notes {
		b.WriteString("\n> 说明：" + mdText(n) + "\n")
	}
	if len(c.Sources) > 0 {
		b.WriteString("\n## 依据出处\n\n")
		for i, h := range c.Sources {
			fmt.Fprintf(&b, "%d. %s\n", i+1, mdText(h.Citation()))
		}
	}
	return b.String()
}

// mdText keeps text from being read as Markdown markup.
func mdText(s string) string {
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "#", `\#`, "<", "&lt;", ">", "&gt;", "[", `\[`, "]", `\]`)

// mdCell is text for one cell of a Markdown table: one line, pipes escaped.
func mdCell(s string) string {
	s = mdText(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "<br>")
}
