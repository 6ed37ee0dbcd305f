package bot

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"partybot/apperr"
	"partybot/checklist"
)

var _ checklist.Retriever = (*KnowledgeBase)(nil)

// checklist drafts a checklist for the topic: the message, and the .xlsx
// 台账 as a file.
func (a *Assistant) checklist(ctx context.Context, s *Session, topic string) (Reply, error) {
	if a.checklists == nil {
		return Reply{Text: "本环境未启用清单起草功能。"}, nil
	}
	if strings.TrimSpace(topic) == "" {
		return Reply{Text: "请在 /checklist 后写明工作主题，例如：/checklist 社会组织换届\n可以起草的清单有：\n· " +
			strings.Join(a.checklists.Titles(), "\n· ")}, nil
	}
	c, err := a.checklists.Draft(ctx, topic, checklist.Options{})
	if err != nil {
		r := Reply{Text: apperr.Message(err)}
		if apperr.Code(err) == apperr.EInternal {
			return r, err
		}
		return r, nil
	}
	r := Reply{Text: c.Message()}
	if !c.Refused() {
		var buf bytes.Buffer
		if err := c.WriteXLSX(&buf); err != nil {
			return r, fmt.Errorf("checklist xlsx: %w", err)
		}
		r.Files = []File{{Name: c.FileName(), Data: buf.Bytes()}}
	}
	return r, nil
}
