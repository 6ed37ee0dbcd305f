package checklist

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"partybot/apperr"
)

// MaxTopicRunes is the longest checklist topic accepted.
const MaxTopicRunes = 200

// MaxOrgRunes is the longest organisation name accepted in [Options].
const MaxOrgRunes = 50

// CheckTopic validates a checklist topic and returns it with white space
// collapsed. Returns an *apperr.Error with code EINVALID and a Chinese
// message for empty, too long or non-UTF-8 text.
func CheckTopic(topic string) (string, error) {
	if !utf8.ValidString(topic) {
		return "", apperr.Errorf(apperr.EInvalid, "清单主题中含有无法识别的字符（不是有效的 UTF-8 文本），请重新输入。")
	}
	topic = strings.Join(strings.Fields(strings.ReplaceAll(topic, "\x00", "")), " ")
	if topic == "" {
		return "", apperr.Errorf(apperr.EInvalid, "清单主题是空的，请写明要起草哪项工作的清单，例如：社会组织换届。")
	}
	if n := utf8.RuneCountInString(topic); n > MaxTopicRunes {
		return "", apperr.Errorf(apperr.EInvalid, "清单主题太长（%d 字），请精简到 %d 字以内，例如：社会组织换届。", n, MaxTopicRunes)
	}
	return topic, nil
}

// checkOptions validates the options. Returns an *apperr.Error with code
// EINVALID for an organisation name that is too long or holds control
// characters.
func checkOptions(opt Options) (Options, error) {
	opt.Org = strings.TrimSpace(opt.Org)
	if !utf8.ValidString(opt.Org) || strings.ContainsFunc(opt.Org, unicode.IsControl) {
		return opt, apperr.Errorf(apperr.EInvalid, "责任单位名称中含有无法识别的字符，请重新输入。")
	}
	if n := utf8.RuneCountInString(opt.Org); n > MaxOrgRunes {
		return opt, apperr.Errorf(apperr.EInvalid, "责任单位名称太长（%d 字），请精简到 %d 字以内。", n, MaxOrgRunes)
	}
	return opt, nil
}

// requestFrames are the words of a request for a checklist rather than its
// topic ("帮我列一个……的台账"); they are cut out before matching.
var requestFrames = []string{
	"请帮我", "请帮忙", "帮我", "帮忙", "麻烦你", "请你", "给我", "我要", "我想", "想要",
	"起草", "草拟", "拟定", "生成", "制作", "整理", "列出",
	"列一个", "列一份", "列一张", "列个", "列张", "做一个", "做一份", "做一张", "做个", "出一个", "出一份",
	"弄一个", "弄个", "搞一个", "搞个", "写一个", "写一份", "写个", "拟一份", "拟一个",
}

// requestPrefixes are cut only at the start of a topic ("请" is also in "申请").
var requestPrefixes = []string{"请", "麻烦", "需要", "关于"}

// requestSuffixes are cut at the end of a topic, longest first.
var requestSuffixes = []string{
	"工作台账", "的台账", "台账", "工作清单", "的清单", "清单", "一览表", "的表格", "表格", "的模板", "模板", "的表", "工作",
}

// listNames are what "清单" follows when it names one of the "三张清单"
// rather than asking for a checklist.
var listNames = []string{"三张", "问题", "任务", "责任", "需求", "资源"}

// topicCore cuts the request words out of a topic, keeping what names the
// work: "帮我列一个专项整顿的台账" → "专项整顿".
func topicCore(topic string) string {
	t := topic
	for _, f := range requestFrames {
		t = strings.ReplaceAll(t, f, " ")
	}
	trim := func(s string) string {
		return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || r == '的' })
	}
	for changed := true; changed; {
		changed = false
		t = trim(t)
		for _, p := range requestPrefixes {
			if strings.HasPrefix(t, p) && len(t) > len(p) {
				t, changed = t[len(p):], true
			}
		}
		for _, s := range requestSuffixes {
			rest, ok := strings.CutSuffix(t, s)
			if !ok || trim(rest) == "" {
				continue
			}
			if strings.HasSuffix(s, "清单") && containsSuffix(rest, listNames) {
				continue
			}
			t, changed = rest, true
			break
		}
	}
	t = strings.Join(strings.Fields(t), " ")
	for _, s := range requestSuffixes {
		if t == s || t == strings.TrimPrefix(s, "的") {
			return "" // nothing but a request: "帮我列一个台账"
		}
	}
	return t
}

func containsSuffix(s string, list []string) bool {
	for _, x := range list {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}
