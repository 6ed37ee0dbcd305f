package bot

import (
	"sync"
	"time"

	"partybot/tickets"
)

// User is who talks to the assistant.
type User struct {
	ID   string // stable id: a Telegram user id, or "terminal:NAME"
	Name string // display name
}

// Chat is where a conversation takes place. The zero Chat is a private
// one: the terminal, or a chat with one user.
type Chat struct {
	// ID is the transport's chat id (Telegram's; 0 in the terminal). It is
	// compared with the department and admin chats configured, to decide
	// where personal data may be shown.
	ID int64
	// Group is set for a chat several people read. Personal data (a
	// ticket's details, the 台账, statistics) is shown there only when it
	// is the chat of the department concerned or the admins' chat.
	Group bool
}

// Session is one user's conversation in one chat: who they are, where
// they are, what the last answer cited (for /sources), recent turns for
// follow-ups, and the one step the assistant waits for, if any. A session
// never holds another chat's state: a transport keeps one per user and
// chat.
type Session struct {
	User User
	Chat Chat

	mu    sync.Mutex
	last  *Answer
	turns []Turn // recent questions and answers, for follow-ups
	step  *step
}

// NewSession returns the session of user in chat.
func NewSession(u User, c Chat) *Session { return &Session{User: u, Chat: c} }

// stepKind is what a pending step waits for.
type stepKind int

const (
	// stepDemand is a demand draft waiting for 提交.
	stepDemand stepKind = iota + 1
	// stepReplyText is an 办结 waiting for the reply text to send.
	stepReplyText
	// stepReplyConfirm is an 办结 reply typed, waiting for 确认 before it
	// goes to the submitter: resolving cannot be undone.
	stepReplyConfirm
)

// what names the step in a message: "诉求草稿".
func (k stepKind) what() string {
	switch k {
	case stepDemand:
		return "待确认的诉求草稿（没有提交）"
	case stepReplyText:
		return "待填写的办结答复"
	default:
		return "待确认的办结答复（没有发送）"
	}
}

// step is an action the assistant started in a session and completes only
// with that session's next message or a button carrying its key, before
// it expires. Any other message drops it.
type step struct {
	kind    stepKind
	key     string // names the step in its buttons' data
	expires time.Time
	draft   tickets.Draft // stepDemand
	number  string        // stepReplyText, stepReplyConfirm
	reply   string        // stepReplyConfirm
}

// begin makes st the session's pending step, replacing any other.
func (s *Session) begin(st *step) {
	s.mu.Lock()
	s.step = st
	s.mu.Unlock()
}

// current returns the live pending step, and the step that expired by now
// (dropping it), if any.
func (s *Session) current(now time.Time) (live, expired *step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step != nil && !now.Before(s.step.expires) {
		expired, s.step = s.step, nil
	}
	return s.step, expired
}

// stepFor returns the live pending step of kind named key, or nil: a
// button of a step that was completed, dropped, replaced or has expired
// finds nothing.
func (s *Session) stepFor(kind stepKind, key string, now time.Time) *step {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.step
	if st == nil || st.kind != kind || st.key != key || !now.Before(st.expires) {
		return nil
	}
	return st
}

// end drops st if it is still the pending step, and reports whether it was.
func (s *Session) end(st *step) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.step != st || st == nil {
		return false
	}
	s.step = nil
	return true
}

// pending reports whether the session has a step of kind named key.
func (s *Session) pending(kind stepKind, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.step != nil && s.step.kind == kind && s.step.key == key
}
