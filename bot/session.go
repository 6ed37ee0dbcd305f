package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"partybot/retrieval"
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
	seed  string // see SeedKeys
	begun int    // steps begun since SeedKeys
}

// terminalPrefix begins the id of a user of the terminal chat.
const terminalPrefix = "terminal:"

// via is where the session's user acts, for the tickets' history: the
// terminal chat is the partybot command; every other user comes through
// Telegram, the one chat transport.
func (s *Session) via() tickets.Via {
	if strings.HasPrefix(s.User.ID, terminalPrefix) {
		return tickets.ViaCLI
	}
	return tickets.ViaTelegram
}

// NewSession returns the session of user in chat.
func NewSession(u User, c Chat) *Session { return &Session{User: u, Chat: c} }

// stepKind is what a pending step waits for. Its values are stored (see
// [Session.MarshalState]): never renumber them.
type stepKind int

const (
	// stepDemand is a demand draft waiting for 提交.
	stepDemand stepKind = iota + 1
	// stepReplyText is an 办结 waiting for the reply text to send.
	stepReplyText
	// stepReplyConfirm is an 办结 reply typed, waiting for 确认 before it
	// goes to the submitter: resolving cannot be undone.
	stepReplyConfirm
	// stepReport is a 随手拍 report being put together: what is wrong,
	// where, photos; filed after 提交.
	stepReport
	// stepLocation waits for a shared location to find the nearest
	// stations offering a service.
	stepLocation
)

// what names the step in a message: "诉求草稿".
func (k stepKind) what() string {
	switch k {
	case stepDemand:
		return "待确认的诉求草稿（没有提交）"
	case stepReplyText:
		return "待填写的办结答复"
	case stepReport:
		return "待提交的随手拍（没有提交）"
	case stepLocation:
		return "附近驿站查询"
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
	draft   tickets.Draft   // stepDemand
	number  string          // stepReplyText, stepReplyConfirm
	reply   string          // stepReplyConfirm
	report  *reportDraft    // stepReport
	outcome tickets.Outcome // stepReplyText, stepReplyConfirm: a verdict's, "" for 办结
	service string          // stepLocation: the service asked for, "" for any
}

// begin makes st the session's pending step, replacing any other. Under
// [Session.SeedKeys] it names st after the seed instead of its random key.
func (s *Session) begin(st *step) {
	s.mu.Lock()
	if s.seed != "" {
		s.begun++
		sum := sha256.Sum256([]byte(s.seed + "/" + strconv.Itoa(s.begun)))
		st.key = hex.EncodeToString(sum[:8])
	}
	s.step = st
	s.mu.Unlock()
}

// SeedKeys makes the steps begun from now on take their keys from seed
// (the first, second … step after it gets the same key every time) rather
// than at random. A transport that may handle one incoming message twice
// (a replica died mid-way, another takes it over) seeds each handling with
// the message's identity: the second handling then begins the same steps
// as the first, so buttons the first one sent still work, and a demand
// filed from the draft carries the same idempotency key. Empty seed goes
// back to random keys.
func (s *Session) SeedKeys(seed string) {
	s.mu.Lock()
	s.seed, s.begun = seed, 0
	s.mu.Unlock()
}

// sessionState is the persistent part of a [Session]; see MarshalState.
type sessionState struct {
	V     int        `json:"v"` // stateVersion
	Step  *stepState `json:"step,omitempty"`
	Last  *lastState `json:"last,omitempty"`
	Turns []Turn     `json:"turns,omitempty"`
}

// stateVersion is the format of sessionState.
const stateVersion = 1

type stepState struct {
	Kind    stepKind        `json:"kind"`
	Key     string          `json:"key"`
	Expires time.Time       `json:"expires"`
	Draft   *tickets.Draft  `json:"draft,omitempty"`
	Number  string          `json:"number,omitempty"`
	Reply   string          `json:"reply,omitempty"`
	Report  *reportDraft    `json:"report,omitempty"`
	Outcome tickets.Outcome `json:"outcome,omitempty"`
	Service string          `json:"service,omitempty"`
}

// lastState is what /sources shows of the last answer.
type lastState struct {
	Question string          `json:"question"`
	Sources  []retrieval.Hit `json:"sources,omitempty"`
}

// MarshalState returns the session's conversation state as JSON: the
// pending step (with its expiry), the last answer's question and sources
// (for /sources) and the recent turns. User, Chat and a key seed are not
// part of it. See [Session.RestoreState].
func (s *Session) MarshalState() ([]byte, error) {
	s.mu.Lock()
	st := sessionState{V: stateVersion, Turns: s.turns}
	if p := s.step; p != nil {
		st.Step = &stepState{Kind: p.kind, Key: p.key, Expires: p.expires, Number: p.number, Reply: p.reply,
			Report: p.report, Service: p.service, Outcome: p.outcome}
		if p.kind == stepDemand {
			st.Step.Draft = &p.draft
		}
	}
	if s.last != nil {
		st.Last = &lastState{Question: s.last.Question, Sources: s.last.Sources}
	}
	b, err := json.Marshal(st)
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("marshal session: %w", err)
	}
	return b, nil
}

// RestoreState replaces the session's conversation state with state, as
// MarshalState returned it; empty state is a new conversation. On error
// the session is left unchanged.
func (s *Session) RestoreState(state []byte) error {
	var st sessionState
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return fmt.Errorf("restore session: %w", err)
		}
		if st.V != stateVersion {
			return fmt.Errorf("restore session: unknown state version %d", st.V)
		}
	}
	var p *step
	if ss := st.Step; ss != nil {
		p = &step{kind: ss.Kind, key: ss.Key, expires: ss.Expires, number: ss.Number, reply: ss.Reply,
			report: ss.Report, service: ss.Service, outcome: ss.Outcome}
		if ss.Draft != nil {
			p.draft = *ss.Draft
		}
	}
	var last *Answer
	if st.Last != nil {
		last = &Answer{Question: st.Last.Question, Sources: st.Last.Sources}
	}
	s.mu.Lock()
	s.step, s.last, s.turns = p, last, st.Turns
	s.mu.Unlock()
	return nil
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
