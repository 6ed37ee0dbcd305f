package bot

import (
	"slices"

	"partybot/tickets"
)

// Where personal data may go. A ticket's details (the submitter, their
// contact and address, the reply), a user's list of tickets, the 台账 and
// the statistics are shown only in a private chat, in the chat of the
// department concerned, or in the admins' chat; anywhere else the command
// is refused with [msgPrivateOnly] and shows nothing.

// msgPrivateOnly refuses a command that would show personal data in a
// shared chat.
const msgPrivateOnly = "为保护个人信息，请在与我的私聊中使用这个命令（工单详情、台账和统计不在群聊中显示）。"

// adminChat reports whether the session takes place in the admins' chat.
func (a *Assistant) adminChat(s *Session) bool {
	return s.Chat.Group && a.desk != nil && a.desk.AdminChatID != 0 && s.Chat.ID == a.desk.AdminChatID
}

// chatDepartments are the departments whose configured chat the session
// takes place in: nil for a private chat or any other group.
func (a *Assistant) chatDepartments(s *Session) []string {
	if !s.Chat.Group || s.Chat.ID == 0 || a.desk == nil {
		return nil
	}
	var keys []string
	for _, d := range a.desk.Store.Departments() {
		if d.ChatID == s.Chat.ID {
			keys = append(keys, d.Key)
		}
	}
	return keys
}

// mayShowTicket reports whether t's details may be shown in the session's
// chat: a private chat, the admins' chat or t's department's chat.
func (a *Assistant) mayShowTicket(s *Session, t *tickets.Ticket) bool {
	return !s.Chat.Group || a.adminChat(s) || slices.Contains(a.chatDepartments(s), t.Department)
}

// reportViewer narrows v to what the session's chat may show of the 台账
// and statistics: everything v sees in a private or the admins' chat, the
// chat's own departments in a department's chat. ok is false elsewhere, or
// when v is staff of none of the chat's departments.
func (a *Assistant) reportViewer(s *Session, v tickets.Viewer) (tickets.Viewer, bool) {
	if !s.Chat.Group || a.adminChat(s) {
		return v, true
	}
	var keep []string
	for _, k := range a.chatDepartments(s) {
		if v.Admin || v.Staff(k) {
			keep = append(keep, k)
		}
	}
	if len(keep) == 0 {
		return tickets.Viewer{}, false
	}
	// No user id: the user's own tickets of other departments stay out.
	return tickets.Viewer{Departments: keep}, true
}
