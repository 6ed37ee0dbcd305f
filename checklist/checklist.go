package checklist

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/retrieval"
)

// Mode says how a checklist's items were found.
type Mode string

// Modes of a checklist.
const (
	// ModeTemplate: the topic matched a checklist template.
	ModeTemplate Mode = "template"
	// ModePassages: no template matched; the items are the actionable
	// sentences of the passages that cover the topic.
	ModePassages Mode = "passages"
	// ModeRefused: the knowledge base has nothing on the topic.
	ModeRefused Mode = "refused"
)

// ErrRefused is returned by [Checklist.WriteXLSX] for a checklist that was
// refused: there is no 台账 without a basis.
var ErrRefused = errors.New("checklist: refused, no basis")

// Checklist is a drafted 台账: items each tied to the passage it rests on,
// or a refusal when the knowledge base has nothing on the topic.
type Checklist struct {
	// Topic is what the user asked for, checked.
	Topic string
	// Title names the work, e.g. "社会组织换届事前审核工作台账".
	Title string
	// Mode is how the items were found.
	Mode Mode
	// Template is the ID of the template used, or "".
	Template string
	// Org and Due are the options the checklist was drafted with.
	Org string
	Due time.Time
	// Items are the 台账 lines, in order.
	Items []Item
	// Notes are said with the checklist: what the knowledge base does not
	// cover, items whose basis could not be checked, a fallback.
	Notes []string
	// Sources are the documents the items cite, [1] first, each as the
	// first of its passages cited.
	Sources []retrieval.Hit
	// Passages are the passages the items' quotes stand in.
	Passages []retrieval.Hit
	// Alternatives are other templates that match the topic nearly as well.
	Alternatives []string
	// Adapted is set when an [Adapter] reworded the draft.
	Adapted bool

	refusal string // the message of a refused checklist
}

// Item is one line of the 台账.
type Item struct {
	Task        string // 工作事项
	Requirement string // 具体要求
	Unit        string // 责任单位
	Due         string // 完成时限, as shown
	// Basis is the document title and the exact quote the item rests on.
	Basis Basis
	// Cite is the 1-based index into Checklist.Sources of the document
	// whose passage the quote stands in, or 0 when the quote was not found
	// in the knowledge base (the item is then marked 依据待核实).
	Cite int
}

// Refused reports whether the knowledge base had nothing on the topic.
func (c Checklist) Refused() bool { return c.Mode == ModeRefused }

// maxMessageRunes keeps a checklist message within a chat message's size
// (Telegram allows 4096 characters); the 台账 file holds every item.
const maxMessageRunes = 3500

// Message renders the checklist as a chat message: its title, how it was
// drafted, the numbered items each with its basis marker [n], the notes,
// and the sources. A refused checklist renders as the refusal.
func (c Checklist) Message() string {
	if c.Refused() {
		return c.refusal
	}
	var b strings.Builder
	b.WriteString(c.heading() + "\n" + c.origin())
	if m := c.meta(); m != "" {
		b.WriteString("\n" + m)
	}
	b.WriteString("\n")
	size := utf8.RuneCountInString(b.String())
	for i, it := range c.Items {
		line := fmt.Sprintf("\n%d. %s", i+1, c.itemText(it)+it.marker())
		size += utf8.RuneCountInString(line)
		if i > 0 && size > maxMessageRunes {
			fmt.Fprintf(&b, "\n……另有 %d 项，见台账文件。", len(c.Items)-i)
			break
		}
		b.WriteString(line)
	}
	for _, n := range c.Notes {
		b.WriteString("\n\n说明：" + n)
	}
	if len(c.Alternatives) > 0 {
		fmt.Fprintf(&b, "\n\n相近的清单还有：%s。如需要，可以用其名称重新起草。", strings.Join(c.Alternatives, "；"))
	}
	if len(c.Sources) > 0 {
		b.WriteString("\n\n依据：")
	}
	for i, h := range c.Sources {
		fmt.Fprintf(&b, "\n[%d] %s", i+1, h.Citation())
	}
	return b.String()
}

// heading is the checklist's title with its organisation.
func (c Checklist) heading() string { return c.Org + c.Title }

// origin says how the checklist was drafted.
func (c Checklist) origin() string {
	var s string
	if c.Mode == ModeTemplate {
		s = fmt.Sprintf("根据知识库中的清单模板起草，共 %d 项，每项后的 [n] 是依据出处。", len(c.Items))
	} else {
		s = fmt.Sprintf("摘自知识库原文中的相关做法，共 %d 项，每项后的 [n] 是依据出处。", len(c.Items))
	}
	if c.Adapted {
		s += "措辞已由模型按单位和时限调整，依据均已核对。"
	}
	return s
}

// meta names the organisation and deadline the checklist was drafted for.
func (c Checklist) meta() string {
	var parts []string
	if c.Org != "" {
		parts = append(parts, "责任单位："+c.Org)
	}
	if !c.Due.IsZero() {
		parts = append(parts, "完成时限："+dueText(c.Due))
	}
	return strings.Join(parts, "　")
}

// subtitle says under the title how the 台账 was drafted and what to
// check; it is the first line of the notes of the .xlsx and Markdown.
func (c Checklist) subtitle() string {
	s := c.origin()
	if m := c.meta(); m != "" {
		s = m + "。" + s
	}
	return s
}

// itemText is an item as the message shows it.
func (c Checklist) itemText(it Item) string {
	if c.Mode == ModePassages || it.Requirement == it.Task {
		return it.Requirement
	}
	return it.Task + "：" + it.Requirement
}

// marker is the item's citation marker.
func (it Item) marker() string {
	if it.Cite == 0 {
		return "[依据待核实]"
	}
	return fmt.Sprintf("[%d]", it.Cite)
}

// basisText is an item's 依据 as the 台账 writes it: the document title
// and the quote, or a warning when the quote was not found.
func (it Item) basisText() string {
	s := "《" + it.Basis.Title + "》“" + it.Basis.Quote + "”"
	if it.Cite == 0 {
		s = "（依据待核实：知识库中未找到原文）" + s
	}
	return s
}

// row is the 台账 row of the n-th item (1-based).
func (it Item) row(n int) []string {
	return []string{fmt.Sprint(n), it.Task, it.Requirement, it.basisText(), it.Unit, "", it.Due, "", ""}
}

// dueText is how a deadline is written in the 台账.
func dueText(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日前", t.Year(), int(t.Month()), t.Day())
}
