package tickets

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"partybot/apperr"
)

// Attachment is a photo of a ticket as the store records it; [Files]
// keeps its bytes under SHA256.
type Attachment struct {
	Name   string `json:"name"` // as the submitter's file was called, or the start of SHA256
	Size   int64  `json:"size"` // bytes
	SHA256 string `json:"sha256"`
	MIME   string `json:"-"` // e.g. image/jpeg, "" when not known
}

// MaxAttachments is how many photos a ticket may have.
const MaxAttachments = 5

// clean checks a, trims and cleans its name (empty: the start of its
// checksum) and MIME type. Returns EINVALID.
func (a *Attachment) clean() error {
	a.Name = strings.TrimSpace(CleanText(a.Name))
	a.MIME = strings.TrimSpace(a.MIME)
	switch {
	case !validSHA256(a.SHA256):
		return apperr.Errorf(apperr.EInvalid, "照片校验值无效（应为 64 位十六进制 SHA-256）")
	case a.Size <= 0:
		return apperr.Errorf(apperr.EInvalid, "照片 %s 是空文件", a.Name)
	case !utf8.ValidString(a.Name) || !utf8.ValidString(a.MIME):
		return apperr.Errorf(apperr.EInvalid, "照片文件名含有无效字符")
	case utf8.RuneCountInString(a.Name) > MaxFieldRunes || len(a.MIME) > 100:
		return apperr.Errorf(apperr.EInvalid, "照片文件名过长（不超过 %d 字）", MaxFieldRunes)
	}
	a.Name = cmp.Or(a.Name, a.SHA256[:12])
	return nil
}

// cleanAttachments returns a cleaned copy of as, to be added to a ticket
// that has have. Returns EINVALID.
func cleanAttachments(as []Attachment, have int) ([]Attachment, error) {
	switch {
	case have+len(as) > MaxAttachments && have > 0:
		return nil, apperr.Errorf(apperr.EInvalid, "每件工单最多 %d 张照片（已有 %d 张）", MaxAttachments, have)
	case have+len(as) > MaxAttachments:
		return nil, apperr.Errorf(apperr.EInvalid, "每件工单最多 %d 张照片（收到 %d 张）", MaxAttachments, len(as))
	}
	out := slices.Clone(as)
	for i := range out {
		if err := out[i].clean(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AddAttachment adds a photo, stored first with [Files.Put], to an open
// ticket (补充照片), recorded in its history.
// Returns EINVALID for a bad attachment or a ticket that has
// [MaxAttachments], apperr.ENotFound, apperr.EForbidden unless v submitted
// or handles the ticket, apperr.EConflict unless it is dispatched or accepted.
func (s *Store) AddAttachment(ctx context.Context, v Viewer, number string, a Attachment) (*Ticket, error) {
	if err := a.clean(); err != nil {
		return nil, err
	}
	t, err := s.change(ctx, v, number, func(t *Ticket) error {
		if !v.CanHandle(t) && !v.owns(t) {
			return apperr.Errorf(apperr.EForbidden, "无权为该工单补充照片")
		}
		return nil
	}, step{
		action: ActionAttach, note: a.Name,
		apply: func(*Ticket, time.Time) {},
		write: func(ctx context.Context, tx *sql.Tx, t *Ticket) error {
			as, err := s.attachments(ctx, tx, t.ID)
			if err != nil {
				return err
			}
			if _, err := cleanAttachments([]Attachment{a}, len(as[t.ID])); err != nil {
				return err
			}
			t.Attachments = append(as[t.ID], a)
			return s.insertAttachments(ctx, tx, t.ID, len(as[t.ID]), a)
		},
	})
	return t, err
}

// insertAttachments writes as as the attachments after the first have of
// ticket id.
func (s *Store) insertAttachments(ctx context.Context, tx *sql.Tx, id int64, have int, as ...Attachment) error {
	for i, a := range as {
		if _, err := s.exec(ctx, tx, `INSERT INTO ticket_attachments (ticket_id, position, name, size, sha256, mime)
			VALUES (?, ?, ?, ?, ?, ?)`, id, have+i+1, a.Name, a.Size, a.SHA256, a.MIME); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	return nil
}

// attachments reads the attachments of the tickets ids, by ticket.
func (s *Store) attachments(ctx context.Context, q querier, ids ...int64) (map[int64][]Attachment, error) {
	out := map[int64][]Attachment{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := s.query(ctx, q, `SELECT ticket_id, name, size, sha256, mime FROM ticket_attachments
			WHERE ticket_id IN (`+placeholders(n)+`) ORDER BY ticket_id, position`, args...)
		if err != nil {
			return nil, fmt.Errorf("read attachments: %w", err)
		}
		for rows.Next() {
			var id int64
			var a Attachment
			if err := rows.Scan(&id, &a.Name, &a.Size, &a.SHA256, &a.MIME); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read attachments: %w", err)
			}
			out[id] = append(out[id], a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read attachments: %w", err)
		}
	}
	return out, nil
}

// fillAttachments sets the attachments of ts.
func (s *Store) fillAttachments(ctx context.Context, q querier, ts ...*Ticket) error {
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	as, err := s.attachments(ctx, q, ids...)
	if err != nil {
		return err
	}
	for _, t := range ts {
		t.Attachments = as[t.ID]
	}
	return nil
}
