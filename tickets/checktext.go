package tickets

import (
	"strings"
	"unicode/utf8"

	"partybot/apperr"
)

// CheckText reports whether text can be filed as a demand: valid UTF-8,
// not blank, and at most [MaxTextRunes] characters once trimmed of the
// space around it. It is the one check of a demand's text, with one
// message for each problem, for the chat, the command line and the
// store. Returns EINVALID.
func CheckText(text string) error {
	trimmed := strings.TrimSpace(text)
	switch {
	case !utf8.ValidString(text):
		return apperr.Errorf(apperr.EInvalid, "诉求内容含有无法识别的字符（不是有效的 UTF-8 文本）")
	case trimmed == "":
		return apperr.Errorf(apperr.EInvalid, "诉求内容不能为空")
	case utf8.RuneCountInString(trimmed) > MaxTextRunes:
		return apperr.Errorf(apperr.EInvalid, "诉求内容过长（%d 字），请精简到 %d 字以内",
			utf8.RuneCountInString(trimmed), MaxTextRunes)
	}
	return nil
}
