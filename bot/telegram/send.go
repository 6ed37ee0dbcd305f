package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"partybot/bot"
)

// target is where a reply goes.
type target struct {
	h       *handling // the update answered: its calls are numbered; nil for none
	chat    int64
	thread  int  // forum topic, 0 for none
	group   bool // a group chat: reply to the user's message, mention them
	replyTo int  // the message answered, in a group
	// mention is the user a group reply that expects their answer is
	// addressed to.
	mention *models.User
	// edit is the bot's message that shows a streamed answer so far: the
	// reply's first part replaces it instead of coming as a new message.
	edit int
}

// inlineKeyboard and inlineButton are the reply markup sent: only the
// fields used. (models.InlineKeyboardButton always sends an empty
// "copy_text", which Telegram may refuse.)
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// maxCallbackData is Telegram's limit on a button's data, in bytes.
const maxCallbackData = 64

// keyboard translates the assistant's buttons; nil when there are none.
// A button whose data Telegram would refuse is left out.
func keyboard(rows [][]bot.Button) *inlineKeyboard {
	var kb inlineKeyboard
	for _, row := range rows {
		var out []inlineButton
		for _, b := range row {
			if b.Data == "" || len(b.Data) > maxCallbackData || strings.TrimSpace(b.Text) == "" {
				continue
			}
			out = append(out, inlineButton{Text: b.Text, CallbackData: b.Data})
		}
		if len(out) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, out)
		}
	}
	if len(kb.InlineKeyboard) == 0 {
		return nil
	}
	return &kb
}

// deliver sends reply r to t: its text as one or more HTML messages (split
// on paragraph boundaries), the buttons under the last one, then its
// files. Failures are logged; it returns the first.
func (s *Server) deliver(ctx context.Context, t target, r bot.Reply) error {
	err := s.send(ctx, t, r)
	if err != nil {
		s.log.Error("send reply", "chat", t.chat, "err", s.redact(err))
	}
	return err
}

// send is deliver without the logging.
func (s *Server) send(ctx context.Context, t target, r bot.Reply) error {
	var prefix string // HTML before the first part
	limit := MaxMessageUTF16
	var markup any
	if kb := keyboard(r.Buttons); kb != nil {
		markup = kb
	} else if r.ExpectReply && t.group && t.mention != nil {
		// In a group the bot sees only replies to it: ask for one, from
		// this user alone (Selective targets the users mentioned).
		name := displayName(*t.mention)
		prefix = fmt.Sprintf(`<a href="tg://user?id=%d">%s</a>：`, t.mention.ID, escapeHTML(name))
		limit -= utf16Len(name) + 1
		markup = &models.ForceReply{ForceReply: true, Selective: true}
	} else if r.AskLocation && !t.group {
		markup = locationKeyboard
	}
	parts := Split(r.Text, limit)
	if len(parts) == 0 && markup != nil {
		parts = []string{"请选择："}
	}
	for i, p := range parts {
		params := &tgbot.SendMessageParams{
			ChatID:             t.chat,
			MessageThreadID:    t.thread,
			Text:               renderHTML(p),
			ParseMode:          models.ParseModeHTML,
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()},
		}
		if i == 0 {
			params.Text = prefix + params.Text
			if t.replyTo != 0 {
				params.ReplyParameters = &models.ReplyParameters{MessageID: t.replyTo, AllowSendingWithoutReply: true}
			}
		}
		if i == len(parts)-1 && markup != nil {
			params.ReplyMarkup = markup
		}
		// One numbered call per part, whichever way it goes out.
		if err := s.once(ctx, t.h, func() error {
			if i == 0 && t.edit != 0 && s.replaceStreamed(ctx, t, params) {
				return nil
			}
			return s.call(ctx, 1, func(ctx context.Context) error {
				_, err := s.bot.SendMessage(ctx, params)
				return err
			})
		}); err != nil {
			return fmt.Errorf("send message: %w", err)
		}
	}
	for _, f := range r.Files {
		if err := s.once(ctx, t.h, func() error {
			return s.call(ctx, 4, func(ctx context.Context) error {
				_, err := s.bot.SendDocument(ctx, &tgbot.SendDocumentParams{
					ChatID:          t.chat,
					MessageThreadID: t.thread,
					// A fresh reader for every attempt.
					Document: &models.InputFileUpload{Filename: f.Name, Data: bytes.NewReader(f.Data)},
				})
				return err
			})
		}); err != nil {
			return fmt.Errorf("send document: %w", err)
		}
	}
	return s.sendExtras(ctx, t, r)
}

// maxAttempts bounds the tries of one Bot API call that keeps hitting 429.
const maxAttempts = 5

// call runs one Bot API call with a deadline of `scale` send timeouts. When
// Telegram answers 429 Too Many Requests it waits the retry_after asked
// (up to Config.MaxRetryAfter) and tries again: the request was refused,
// not carried out, so the retry sends nothing twice. Other errors return
// at once. Once ctx ends no attempt starts, but one under way runs to its
// own deadline: cut off, it might have been carried out unbeknownst.
func (s *Server) call(ctx context.Context, scale int, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(scale)*s.cfg.SendTimeout)
		err := fn(cctx)
		cancel()
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || attempt == maxAttempts {
			return err
		}
		d := time.Duration(tooMany.RetryAfter) * time.Second
		if d <= 0 {
			d = time.Second
		}
		if d > s.cfg.MaxRetryAfter {
			return err
		}
		s.log.Info("rate limited by Telegram; waiting", "retry_after", d)
		if werr := s.wait(ctx, d); werr != nil {
			return err
		}
	}
}

// answerCallback stops the pressed button's spinner, showing text (cut to
// Telegram's 200 characters) as an alert when alert is set: a numbered
// call of h, when not nil.
func (s *Server) answerCallback(ctx context.Context, h *handling, id, text string, alert bool) {
	params := &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: clipUTF16(text, maxAlertUTF16), ShowAlert: alert && text != ""}
	if err := s.once(ctx, h, func() error {
		return s.call(ctx, 1, func(ctx context.Context) error {
			_, err := s.bot.AnswerCallbackQuery(ctx, params)
			return err
		})
	}); err != nil {
		// A query older than about 15 minutes can no longer be answered.
		s.log.Info("answerCallbackQuery", "err", s.redact(err))
	}
}

// clearButtons removes the inline keyboard of message msg in chat, a
// numbered call of h. A keyboard already gone ("message is not modified")
// is no error.
func (s *Server) clearButtons(ctx context.Context, h *handling, chat int64, msg int) {
	params := &tgbot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: msg,
		ReplyMarkup: &inlineKeyboard{InlineKeyboard: [][]inlineButton{}}}
	err := s.once(ctx, h, func() error {
		return s.call(ctx, 1, func(ctx context.Context) error {
			_, err := s.bot.EditMessageReplyMarkup(ctx, params)
			return err
		})
	})
	if err != nil && !notModified(err) {
		s.log.Warn("editMessageReplyMarkup", "chat", chat, "err", s.redact(err))
	}
}

// notModified reports whether err is Telegram saying an edit changes
// nothing, which happens when a button is pressed twice.
func notModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

// replaceStreamed turns the streamed draft t.edit into the reply's first
// part; false when the edit fails and the part must be sent anew.
func (s *Server) replaceStreamed(ctx context.Context, t target, p *tgbot.SendMessageParams) bool {
	edit := &tgbot.EditMessageTextParams{ChatID: t.chat, MessageID: t.edit, Text: p.Text, ParseMode: p.ParseMode,
		LinkPreviewOptions: p.LinkPreviewOptions, ReplyMarkup: p.ReplyMarkup}
	err := s.call(ctx, 1, func(ctx context.Context) error {
		_, err := s.bot.EditMessageText(ctx, edit)
		return err
	})
	if err != nil && !notModified(err) {
		s.log.Warn("editMessageText", "chat", t.chat, "err", s.redact(err))
		return false
	}
	return true
}

// streamEvery is how often a streamed answer's message is edited: Telegram
// allows about one edit a second per chat.
const streamEvery = time.Second

// streamer shows a model answer in chat as it is written: a first message
// once some text has come, then an edit at most once per streamEvery.
type streamer struct {
	s      *Server
	ctx    context.Context
	t      target
	text   strings.Builder
	msg    int
	last   time.Time
	failed bool
}

// delta takes the next piece of the answer.
func (st *streamer) delta(d string) {
	st.text.WriteString(d)
	if st.failed || utf8.RuneCountInString(st.text.String()) < 20 {
		return
	}
	now := st.s.now()
	if st.msg != 0 && now.Sub(st.last) < streamEvery {
		return
	}
	st.last = now
	shown := renderHTML(clipUTF16(st.text.String(), MaxMessageUTF16-10) + " …")
	if st.msg == 0 {
		var m *models.Message
		err := st.s.call(st.ctx, 1, func(ctx context.Context) error {
			var err error
			m, err = st.s.bot.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: st.t.chat, MessageThreadID: st.t.thread,
				Text: shown, ParseMode: models.ParseModeHTML})
			return err
		})
		if err != nil || m == nil {
			st.failed = true // the whole answer still comes at the end
			return
		}
		st.msg = m.ID
		return
	}
	err := st.s.call(st.ctx, 1, func(ctx context.Context) error {
		_, err := st.s.bot.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: st.t.chat, MessageID: st.msg,
			Text: shown, ParseMode: models.ParseModeHTML})
		return err
	})
	if err != nil && !notModified(err) {
		st.failed = true
	}
}
