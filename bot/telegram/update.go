package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"partybot/bot"
	"partybot/knowledge"
)

// Messages of the adapter itself.
const (
	msgSlowDown   = "您发送得有点快，请稍等片刻再继续。"
	msgNotAllowed = "抱歉，您还没有使用本助手的权限。如需开通，请联系管理员。"
	msgTextOnly   = "目前只能处理文字消息。请直接用文字写下问题或诉求，发送 /help 查看用法。"
)

// onMessage handles a message: in a private chat every message, in a group
// only commands addressed to the bot, mentions of it and replies to it.
func (s *Server) onMessage(ctx context.Context, h *handling, m *models.Message) {
	if m.From == nil || m.From.IsBot {
		return
	}
	t := target{h: h, chat: m.Chat.ID, thread: m.MessageThreadID}
	text := m.Text
	if m.Chat.Type != models.ChatTypePrivate {
		var ok bool
		if text, ok = s.addressed(m); !ok {
			return
		}
		t.group, t.replyTo = true, m.ID
	}
	session := s.conversation(ctx, h, *m.From, m.Chat.ID)
	if isIDCommand(text) {
		// Telegram's ids, for the configuration: before the access check,
		// since a user asks for theirs to be let in.
		s.deliver(ctx, t, bot.Reply{Text: fmt.Sprintf("本聊天的 chat_id：%d\n您的用户 ID：%d\n（配置部门工作群时填 chat_id，配置管理员、工作人员或白名单时填用户 ID。）", m.Chat.ID, m.From.ID)})
		return
	}
	if !s.allowed(session.User.ID) {
		s.deliver(ctx, t, bot.Reply{Text: msgNotAllowed})
		return
	}
	if hasMedia(m) && !t.group {
		s.onMedia(ctx, t, session, m)
		return
	}
	if m.Document != nil && !t.group {
		s.deliver(ctx, t, s.upload(ctx, session, m.Document))
		return
	}
	if strings.TrimSpace(text) == "" {
		if m.Text == "" {
			s.deliver(ctx, t, bot.Reply{Text: msgTextOnly})
			return
		}
		text = "/help" // just a mention
	}
	stop := s.typing(ctx, t)
	// The streamer belongs to this message alone: the same user may be
	// talking in another chat at the same time. Handling the message again,
	// it stays off: its drafts are not numbered calls, and the answer's
	// parts are.
	st := &streamer{s: s, ctx: ctx, t: t, failed: h.replay()}
	r, err := s.asst.HandleStream(ctx, session, text, st.delta)
	stop()
	t.edit = st.msg
	if err != nil {
		s.log.Error("handle message", "chat", m.Chat.ID, "user", m.From.ID, "err", s.redact(err))
	}
	t.mention = m.From
	s.deliver(ctx, t, r)
}

// onCallback handles a pressed inline button: the assistant acts for the
// user who pressed it, whatever the data says.
func (s *Server) onCallback(ctx context.Context, h *handling, q *models.CallbackQuery) {
	if q.From.ID == 0 || q.From.IsBot {
		return
	}
	chat, msg := origin(q)
	t := target{h: h, chat: chat, group: chat < 0}
	if chat == 0 {
		t.chat = q.From.ID // a message too old to show: reply in private
	}
	if q.Message.Message != nil {
		t.thread = q.Message.Message.MessageThreadID
	}
	session := s.conversation(ctx, h, q.From, t.chat)
	if !s.allowed(session.User.ID) {
		s.answerCallback(ctx, h, q.ID, msgNotAllowed, true)
		return
	}
	r, err := s.asst.Callback(ctx, session, q.Data)
	if err != nil {
		s.log.Error("handle button", "chat", chat, "user", q.From.ID, "err", s.redact(err))
	}
	if r.Personal {
		s.answerCallback(ctx, h, q.ID, r.Text, true)
	} else {
		s.answerCallback(ctx, h, q.ID, "", false)
	}
	if r.Settled && chat != 0 && msg != 0 {
		s.clearButtons(ctx, h, chat, msg)
	}
	if !r.Personal {
		from := q.From
		t.mention = &from
		s.deliver(ctx, t, r)
	}
}

// typing shows "typing…" in t's chat while the assistant takes longer
// than a second (a model's answer), renewed before it fades; stop ends it.
func (s *Server) typing(ctx context.Context, t target) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tm := time.NewTimer(time.Second)
		defer tm.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tm.C:
			}
			// Best effort: a failure only loses the indicator.
			s.bot.SendChatAction(ctx, &tgbot.SendChatActionParams{ChatID: t.chat, MessageThreadID: t.thread, Action: models.ChatActionTyping})
			tm.Reset(4 * time.Second)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// isIDCommand reports whether text is /id (or /id@bot): the ids of the
// chat and the user, which only Telegram knows.
func isIDCommand(text string) bool {
	cmd, _, _ := strings.Cut(strings.TrimSpace(text), " ")
	cmd, _, _ = strings.Cut(cmd, "@")
	return strings.EqualFold(cmd, "/id")
}

// origin is the chat and message of the pressed button, zero when
// Telegram no longer tells.
func origin(q *models.CallbackQuery) (chat int64, msg int) {
	switch {
	case q.Message.Message != nil:
		return q.Message.Message.Chat.ID, q.Message.Message.ID
	case q.Message.InaccessibleMessage != nil:
		return q.Message.InaccessibleMessage.Chat.ID, q.Message.InaccessibleMessage.MessageID
	}
	return 0, 0
}

// allowed applies the access list.
func (s *Server) allowed(userID string) bool {
	return s.cfg.Allowed == nil || s.cfg.Allowed(userID)
}

// addressed reports whether a group message is meant for the bot — a
// command without "@" or with the bot's, a mention of the bot, a reply to
// one of its messages — and returns its text without the mention.
func (s *Server) addressed(m *models.Message) (string, bool) {
	text := m.Text
	if strings.HasPrefix(text, "/") {
		cmd := text
		if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
			cmd = text[:i]
		}
		if _, to, ok := strings.Cut(cmd, "@"); ok {
			return text, s.username != "" && strings.EqualFold(to, s.username)
		}
		return text, true
	}
	if rest, ok := s.stripMention(text, m.Entities); ok {
		return rest, true
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && r.From.ID == s.botID && s.botID != 0 {
		return text, true
	}
	return "", false
}

// stripMention removes the mentions of the bot from text and reports
// whether there was one. Entity offsets count UTF-16 code units.
func (s *Server) stripMention(text string, entities []models.MessageEntity) (string, bool) {
	if len(entities) == 0 {
		return text, false
	}
	u := utf16.Encode([]rune(text))
	found := false
	es := slices.Clone(entities)
	slices.SortFunc(es, func(a, b models.MessageEntity) int { return b.Offset - a.Offset })
	for _, e := range es {
		if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > len(u) {
			continue
		}
		var me bool
		switch e.Type {
		case models.MessageEntityTypeMention:
			name := string(utf16.Decode(u[e.Offset : e.Offset+e.Length]))
			me = s.username != "" && strings.EqualFold(name, "@"+s.username)
		case models.MessageEntityTypeTextMention:
			me = e.User != nil && s.botID != 0 && e.User.ID == s.botID
		}
		if me {
			found = true
			u = slices.Delete(u, e.Offset, e.Offset+e.Length)
		}
	}
	if !found {
		return text, false
	}
	return strings.TrimSpace(strings.Trim(string(utf16.Decode(u)), " ,，:：")), true
}

// upload adds a document sent in a private chat to the knowledge base, for
// admins; anyone else is refused before anything is downloaded.
func (s *Server) upload(ctx context.Context, session *bot.Session, d *models.Document) bot.Reply {
	if !s.asst.MayUpload(session) {
		r, _ := s.asst.Upload(ctx, session, d.FileName, nil)
		return r
	}
	if err := knowledge.CheckSize(d.FileName, d.FileSize); err != nil {
		return bot.Reply{Text: knowledge.Message(err)}
	}
	data, err := s.download(ctx, d.FileID)
	if err != nil {
		s.log.Error("download document", "err", s.redact(err))
		return bot.Reply{Text: "文件下载失败，请稍后重新发送。"}
	}
	r, err := s.asst.Upload(ctx, session, d.FileName, data)
	if err != nil {
		s.log.Error("upload document", "err", s.redact(err))
	}
	return r
}

// download fetches a file from the Bot API, at most knowledge.MaxFileSize.
func (s *Server) download(ctx context.Context, fileID string) ([]byte, error) {
	return s.downloadMax(ctx, fileID, knowledge.MaxFileSize)
}

// downloadMax fetches a file from the Bot API, at most max bytes.
func (s *Server) downloadMax(ctx context.Context, fileID string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	f, err := s.bot.GetFile(ctx, &tgbot.GetFileParams{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("get file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.bot.FileDownloadLink(f), nil)
	if err != nil {
		return nil, errors.New("download: bad file path")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, errors.New("download: request failed") // the URL holds the token: never wrap it
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download: status %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, errors.New("download: read failed")
	}
	if int64(len(data)) > max {
		return nil, errors.New("download: file too large")
	}
	return data, nil
}
