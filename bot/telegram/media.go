package telegram

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"partybot/bot"
)

const msgPhotoTooLarge = "照片太大（超过 10 MB），请压缩后重新发送，或换一张。"

// hasMedia reports whether m carries a photo or a location the assistant
// takes (an image sent as a file counts as a photo).
func hasMedia(m *models.Message) bool {
	return len(m.Photo) > 0 || m.Location != nil || m.Venue != nil || isImage(m.Document)
}

func isImage(d *models.Document) bool {
	return d != nil && strings.HasPrefix(d.MimeType, "image/")
}

// onMedia hands a photo or location of a private chat to the assistant.
func (s *Server) onMedia(ctx context.Context, t target, session *bot.Session, m *models.Message) {
	media := bot.Media{Caption: m.Caption}
	switch {
	case m.Location != nil:
		media.Location = &bot.Location{Lat: m.Location.Latitude, Lng: m.Location.Longitude}
	case m.Venue != nil:
		media.Location = &bot.Location{Lat: m.Venue.Location.Latitude, Lng: m.Venue.Location.Longitude}
	}
	if fileID, name, ok := photoFile(m); ok {
		data, err := s.downloadMax(ctx, fileID, bot.MaxPhotoBytes)
		if err != nil {
			s.log.Error("download photo", "err", s.redact(err))
			s.deliver(ctx, t, bot.Reply{Text: "照片下载失败，请稍后重新发送。"})
			return
		}
		media.Photos = []bot.File{{Name: name, Data: data}}
	} else if len(m.Photo) > 0 || isImage(m.Document) {
		s.deliver(ctx, t, bot.Reply{Text: msgPhotoTooLarge})
		return
	}
	r, err := s.asst.HandleMedia(ctx, session, media)
	if err != nil {
		s.log.Error("handle media", "chat", t.chat, "err", s.redact(err))
	}
	s.deliver(ctx, t, r)
}

// photoFile picks the largest size of m's photo within bot.MaxPhotoBytes,
// or its image document when small enough, with a file name for it.
func photoFile(m *models.Message) (id, name string, ok bool) {
	best := -1
	for i, p := range m.Photo {
		if int64(p.FileSize) <= bot.MaxPhotoBytes && (best < 0 || p.Width*p.Height > m.Photo[best].Width*m.Photo[best].Height) {
			best = i
		}
	}
	if best >= 0 {
		p := m.Photo[best]
		return p.FileID, fmt.Sprintf("photo-%s.jpg", p.FileUniqueID), true
	}
	if d := m.Document; isImage(d) && d.FileSize <= bot.MaxPhotoBytes {
		return d.FileID, d.FileName, true
	}
	return "", "", false
}

// replyKeyboard and keyboardButton are a reply keyboard with only the
// fields used.
type replyKeyboard struct {
	Keyboard        [][]keyboardButton `json:"keyboard"`
	OneTimeKeyboard bool               `json:"one_time_keyboard"`
	ResizeKeyboard  bool               `json:"resize_keyboard"`
}

type keyboardButton struct {
	Text            string `json:"text"`
	RequestLocation bool   `json:"request_location,omitempty"`
}

// locationKeyboard offers to share the user's location: Telegram allows
// it in private chats only.
var locationKeyboard = &replyKeyboard{
	Keyboard:        [][]keyboardButton{{{Text: "📍 发送我的位置", RequestLocation: true}}},
	OneTimeKeyboard: true, ResizeKeyboard: true,
}

// sendExtras sends r's photos and venues to t, after its text and files.
func (s *Server) sendExtras(ctx context.Context, t target, r bot.Reply) error {
	for _, p := range r.Photos {
		if err := s.once(ctx, t.h, func() error {
			return s.call(ctx, 4, func(ctx context.Context) error {
				_, err := s.bot.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: t.chat, MessageThreadID: t.thread,
					Photo: &models.InputFileUpload{Filename: p.Name, Data: bytes.NewReader(p.Data)}})
				return err
			})
		}); err != nil {
			return fmt.Errorf("send photo: %w", err)
		}
	}
	for _, v := range r.Venues {
		if err := s.once(ctx, t.h, func() error {
			return s.call(ctx, 1, func(ctx context.Context) error {
				_, err := s.bot.SendVenue(ctx, &tgbot.SendVenueParams{ChatID: t.chat, MessageThreadID: t.thread,
					Latitude: v.Lat, Longitude: v.Lng, Title: v.Title, Address: v.Address})
				return err
			})
		}); err != nil {
			return fmt.Errorf("send venue: %w", err)
		}
	}
	return nil
}
