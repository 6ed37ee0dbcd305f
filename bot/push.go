package bot

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/push"
	"partybot/retrieval"
)

// PushDesk is the policy push: subscriptions, the notices of newly added
// documents, and whether they were opened ([*push.Store]).
type PushDesk interface {
	Subscribe(ctx context.Context, sub push.Subscription) (push.Subscription, error)
	Unsubscribe(ctx context.Context, userID int64, what ...string) error
	Subscriptions(ctx context.Context, userID int64) ([]push.Subscription, error)
	Queue(ctx context.Context, doc push.Document, now time.Time) (int, error)
	Due(ctx context.Context, now time.Time, limit int) ([]push.Delivery, error)
	MarkSent(ctx context.Context, id int64) error
	MarkOpened(ctx context.Context, userID int64, doc string) error
	FindDelivery(ctx context.Context, id int64) (push.Delivery, error)
	Rules() *push.Rules
}

// WithPush sends documents added to the knowledge base to the users they
// concern (/subscribe), through p.
func WithPush(p PushDesk) Option { return func(a *Assistant) { a.push = p } }

const msgNoPush = "本环境未启用政策推送。"

// pushUser is the numeric (Telegram) id of s's user; the terminal's
// users have none and cannot subscribe.
func pushUser(s *Session) (int64, bool) {
	id, err := strconv.ParseInt(s.User.ID, 10, 64)
	return id, err == nil && s.Chat.ID != 0 && !s.Chat.Group
}

// subscribe is /subscribe 身份或话题…: 外卖骑手, 快递员 … are who the user
// is; any other word is a topic.
func (a *Assistant) subscribe(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.push == nil {
		return Reply{Text: msgNoPush}, nil
	}
	id, ok := pushUser(s)
	if !ok {
		return Reply{Text: "请在与我的私聊中订阅政策推送。"}, nil
	}
	words := strings.Fields(strings.NewReplacer("，", " ", ",", " ", "、", " ").Replace(arg))
	if len(words) == 0 {
		return Reply{Text: "请在 /subscribe 后写上您的身份或关心的话题，例如：/subscribe 外卖骑手 驿站\n可选身份：" +
			strings.Join(a.push.Rules().Vocabulary().Names(), "、")}, nil
	}
	sub := push.Subscription{UserID: id, ChatID: s.Chat.ID}
	vocab := a.push.Rules().Vocabulary()
	for _, w := range words {
		if name, ok := vocab.Lookup(w); ok {
			sub.Audiences = append(sub.Audiences, name)
		} else {
			sub.Topics = append(sub.Topics, w)
		}
	}
	got, err := a.push.Subscribe(ctx, sub)
	if code := apperr.Code(err); code == apperr.EInvalid {
		return Reply{Text: apperr.Message(err)}, nil
	} else if err != nil {
		return Reply{Text: "抱歉，订阅没有保存，请稍后再试。"}, err
	}
	return Reply{Text: "已订阅。" + describeSubscription(got) + "\n与您相关的新政策文件加入知识库后会推送给您（22:00 至次日 8:00 不打扰）。发送 /unsubscribe 取消。"}, nil
}

func describeSubscription(sub push.Subscription) string {
	var parts []string
	if len(sub.Audiences) > 0 {
		parts = append(parts, "身份："+strings.Join(sub.Audiences, "、"))
	}
	if len(sub.Topics) > 0 {
		parts = append(parts, "话题："+strings.Join(sub.Topics, "、"))
	}
	return strings.Join(parts, "；")
}

// subscriptions is /subscriptions.
func (a *Assistant) subscriptions(ctx context.Context, s *Session, _ string) (Reply, error) {
	if a.push == nil {
		return Reply{Text: msgNoPush}, nil
	}
	id, ok := pushUser(s)
	if !ok {
		return Reply{Text: "请在与我的私聊中查看订阅。"}, nil
	}
	subs, err := a.push.Subscriptions(ctx, id)
	if err != nil {
		return Reply{Text: "抱歉，暂时查不到订阅，请稍后再试。"}, err
	}
	if len(subs) == 0 {
		return Reply{Text: "您还没有订阅政策推送。发送 /subscribe 身份或话题，例如：/subscribe 快递员 社保"}, nil
	}
	return Reply{Text: "您的订阅：" + describeSubscription(subs[0]) + "\n发送 /unsubscribe 词语 取消其中一项，/unsubscribe 取消全部。"}, nil
}

// unsubscribe is /unsubscribe [词语…].
func (a *Assistant) unsubscribe(ctx context.Context, s *Session, arg string) (Reply, error) {
	if a.push == nil {
		return Reply{Text: msgNoPush}, nil
	}
	id, ok := pushUser(s)
	if !ok {
		return Reply{Text: "请在与我的私聊中取消订阅。"}, nil
	}
	err := a.push.Unsubscribe(ctx, id, strings.Fields(arg)...)
	if code := apperr.Code(err); code == apperr.ENotFound {
		return Reply{Text: apperr.Message(err) + "。"}, nil
	} else if err != nil {
		return Reply{Text: "抱歉，没有取消成功，请稍后再试。"}, err
	}
	if strings.TrimSpace(arg) == "" {
		return Reply{Text: "已取消全部政策推送订阅。"}, nil
	}
	return Reply{Text: "已取消订阅：" + strings.Join(strings.Fields(arg), "、") + "。"}, nil
}

// QueuePush gives the users an added or updated document of results
// concerns a notice of it, through p; it returns how many. The CLI's
// ingest and chat uploads both call it.
func QueuePush(ctx context.Context, p PushDesk, results []IngestResult, chunkRunes int, now time.Time) (int, error) {
	n := 0
	for _, r := range results {
		if r.Doc == nil || (r.Status != IngestAdded && r.Status != IngestUpdated) {
			continue
		}
		q, err := p.Queue(ctx, push.FromKnowledge(*r.Doc, chunkRunes), now)
		if err != nil {
			return n, fmt.Errorf("queue push of %s: %w", r.Name, err)
		}
		n += q
	}
	return n, nil
}

// pushNotices leases up to limit policy notices due now, as notices with
// a button for the passages.
func (a *Assistant) pushNotices(ctx context.Context, limit int) ([]Notice, error) {
	if a.push == nil || limit <= 0 {
		return nil, nil
	}
	ds, err := a.push.Due(ctx, a.now(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]Notice, 0, len(ds))
	for _, d := range ds {
		out = append(out, Notice{ID: d.ID, Push: true, RecipientKind: "user", Recipient: strconv.FormatInt(d.UserID, 10),
			ChatID: d.ChatID, Text: d.Text(), Buttons: [][]Button{{{Text: "查看原文", Data: "pu:" + strconv.FormatInt(d.ID, 10)}}}})
	}
	return out, nil
}

// openPush is the 查看原文 button of notice id: the document's passages
// the extract cites, for the user it was sent to.
func (a *Assistant) openPush(ctx context.Context, s *Session, rest string) (Reply, error) {
	id, err := strconv.ParseInt(rest, 10, 64)
	if a.push == nil || err != nil {
		return stale(), nil
	}
	d, err := a.push.FindDelivery(ctx, id)
	uid, _ := pushUser(s)
	if apperr.Code(err) == apperr.ENotFound || (err == nil && d.UserID != uid) {
		return stale(), nil
	} else if err != nil {
		return Reply{Text: "抱歉，暂时打不开原文，请稍后再试。", Personal: true}, err
	}
	if err := a.push.MarkOpened(ctx, uid, d.Notice.Doc); err != nil && apperr.Code(err) != apperr.ENotFound {
		return Reply{}, err
	}
	return a.pushPassages(ctx, d.Notice)
}

// pushPassages shows the passages of the notice's document that best
// match its title and extract, best first.
func (a *Assistant) pushPassages(ctx context.Context, n push.Notice) (Reply, error) {
	if a.kb == nil {
		return Reply{Text: n.Title + "\n\n" + n.Extract}, nil
	}
	hits, err := a.kb.Search(ctx, n.Title+" "+n.Extract, 30)
	if err != nil {
		return Reply{Text: "抱歉，暂时打不开原文，请稍后再试。"}, err
	}
	hits = slices.DeleteFunc(hits, func(h retrieval.Hit) bool { return h.Doc != n.Doc })
	if len(hits) == 0 {
		return Reply{Text: "这份文件已不在知识库中。"}, nil
	}
	var b strings.Builder
	b.WriteString("《" + n.Title + "》原文摘录：")
	for i, h := range hits[:min(len(hits), 6)] {
		fmt.Fprintf(&b, "\n\n[%d] %s", i+1, h.Text)
	}
	return Reply{Text: b.String()}, nil
}
