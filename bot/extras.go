package bot

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"partybot/apperr"
	"partybot/knowledge"
)

// isAdmin reports whether the session's user administers the assistant.
func (a *Assistant) isAdmin(s *Session) bool {
	return a.desk != nil && a.desk.Viewer != nil && a.desk.Viewer(s.User.ID).Admin
}

// kbAdmin is /kb for admins: list the documents, or remove ingested ones.
func (a *Assistant) kbAdmin(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.kb == nil || !a.isAdmin(s) {
		return Reply{Text: "只有管理员可以管理知识库。", Personal: true}, nil
	}
	cmd, rest, _ := strings.Cut(strings.TrimSpace(arg), " ")
	switch cmd {
	case "", "list":
		var b strings.Builder
		b.WriteString("知识库中的文档：")
		for _, d := range a.kb.Documents() {
			origin := "导入"
			if d.Shipped {
				origin = "内置"
			}
			fmt.Fprintf(&b, "\n· [%s] %s", origin, cmp.Or(d.Title, d.Name))
			if !d.Shipped {
				fmt.Fprintf(&b, "（%s）", d.Name)
			}
		}
		b.WriteString("\n\n移除导入的文档：/kb remove 文档名")
		return Reply{Text: b.String()}, nil
	case "remove":
		// Only a document's exact name, as /kb lists it in brackets: never
		// a prefix or a folder, so "/kb remove /" removes nothing.
		name := strings.TrimSpace(rest)
		if name == "" {
			return Reply{Text: "用法：/kb remove 文档名（见 /kb 列表括号中的名称）"}, nil
		}
		removed, err := a.kb.Remove(ctx, []string{name}, nil)
		if err != nil {
			if apperr.Code(err) == apperr.EInternal {
				return Reply{Text: "移除失败，请稍后再试。"}, err
			}
			return Reply{Text: apperr.Message(err) + "。发送 /kb 查看可以移除的文档名（列表括号中的名称）。"}, nil
		}
		return Reply{Text: fmt.Sprintf("已从知识库移除 %d 个文档：%s。", len(removed), strings.Join(removed, "、"))}, nil
	}
	return Reply{Text: "用法：/kb 查看文档；/kb remove 文档名 移除文档"}, nil
}

// MayUpload reports whether the session's user may add documents.
func (a *Assistant) MayUpload(s *Session) bool { return a.kb != nil && a.isAdmin(s) }

// uploadPrefix names documents sent through the chat.
const uploadPrefix = "upload/"

// Upload adds a document a user sent to the knowledge base; only admins
// may, everyone else is refused politely and nothing changes. The file's
// name decides its format.
func (a *Assistant) Upload(ctx context.Context, s *Session, name string, data []byte) (Reply, error) {
	if !a.MayUpload(s) {
		return Reply{Text: "抱歉，只有管理员可以向知识库添加文档。如有材料需要收录，请联系管理员。", Personal: true}, nil
	}
	// The name comes from the sender: no folders, "..", control characters
	// or empty names reach the knowledge base.
	name = uploadName(name)
	if err := knowledge.CheckSize(name, int64(len(data))); err != nil {
		return Reply{Text: knowledge.Message(err)}, nil
	}
	res, err := a.kb.Ingest(ctx, []Source{{Name: uploadPrefix + name, Read: func() ([]byte, error) { return data, nil }}}, IngestOptions{})
	if err != nil {
		return Reply{Text: "文档收录失败，请稍后再试。"}, err
	}
	r := res[0]
	var text string
	switch r.Status {
	case IngestFailed:
		return Reply{Text: "无法收录“" + name + "”：" + knowledge.Message(r.Err)}, nil
	case IngestUnchanged:
		return Reply{Text: "“" + name + "”已在知识库中，内容没有变化。"}, nil
	case IngestUpdated:
		text = "已更新知识库中的“" + name + "”。"
	default:
		text = "已将“" + name + "”加入知识库，现在可以就其内容提问。"
	}
	if len(r.Warnings) > 0 {
		// A lost page or a skipped one: the admin checks the original.
		text += "\n\n请注意：\n· " + strings.Join(r.Warnings, "\n· ")
	}
	if a.push == nil {
		return Reply{Text: text}, nil
	}
	n, err := QueuePush(ctx, a.push, res, a.kb.ChunkRunes(), a.now())
	if n > 0 {
		text += fmt.Sprintf("\n\n已安排向 %d 位相关订阅用户推送这份文件。", n)
	}
	return Reply{Text: text}, err
}
