package tickets

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"partybot/glossary"
)

// hasHidden reports whether s holds a [glossary.Hidden] character.
func hasHidden(s string) bool {
	for _, r := range s {
		if glossary.Hidden(r) {
			return true
		}
	}
	return false
}

// CleanText removes the characters that do not show but change how text
// reads or matches: zero-width characters (U+200B–U+200D, U+2060–U+2064,
// U+FEFF, the soft hyphen U+00AD) and bidirectional controls (U+200E,
// U+200F, U+061C, U+202A–U+202E, U+2066–U+2069). "井盖\u200b丢了" becomes
// "井盖丢了", and U+202E can no longer make a demand read backwards in a
// staff view. Everything else, invalid UTF-8 included, is left as it is.
// [Store.CreateTicket] cleans what it stores; the chat layer can clean a
// demand before showing it back for confirmation.
func CleanText(s string) string {
	if !hasHidden(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !glossary.Hidden(r) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// ShowHidden renders each character [CleanText] removes as a visible
// ⟨U+202E⟩, for text shown to staff (ticket details, lists, the 台账,
// notifications) that may predate cleaning: what they read is what was
// sent, with nothing reordered or hidden.
func ShowHidden(s string) string {
	if !hasHidden(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if glossary.Hidden(r) {
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean removes hidden characters from the demand's free-text fields.
func (n *NewTicket) clean() {
	for _, f := range []*string{&n.Text, &n.SubmitterName, &n.Category, &n.Location, &n.Contact, &n.Summary} {
		*f = CleanText(*f)
	}
}
