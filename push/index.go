package push

import (
	"cmp"
	"slices"
	"strings"
)

// Match is a subscriber a document concerns, and why, in Chinese:
// "身份：外卖骑手；话题：驿站".
type Match struct {
	UserID, ChatID int64
	Why            string
}

// Index finds the subscriptions a document concerns without reading every
// one: subscriptions are listed by audience and by the first glossary
// group (or word) of each topic, and a document looks up only the lists
// of the audiences it addresses and the groups it names. Build it with
// [Rules.NewIndex]; it is safe for concurrent use once built.
type Index struct {
	rules      *Rules
	subs       []indexed
	byAudience [][]int32 // per audience of the vocabulary
	anyAud     []int32   // subscriptions without audiences
	byKey      map[topicKey][]int32
	anyTopic   []int32  // subscriptions without topics
	literals   []string // the topic words outside the glossary, distinct
}

// indexed is a subscription as the index holds it.
type indexed struct {
	user, chat int64
	aud        []int // audiences in the vocabulary; nil when none resolve
	topics     []topic
	words      []string // the topic words, as subscribed, of topics
}

// topicKey is what a topic is listed under: a glossary group, or a word.
type topicKey struct {
	group int
	word  string
}

func (t topic) key() topicKey {
	if t.literal != "" {
		return topicKey{group: -1, word: t.literal}
	}
	return topicKey{group: t.groups[0]}
}

// NewIndex indexes subs. Audiences the vocabulary no longer knows and
// empty topics are ignored; a subscription left with none of its
// audiences, or none of its topics, matches nothing.
func (r *Rules) NewIndex(subs []Subscription) *Index {
	x := &Index{rules: r, subs: make([]indexed, 0, len(subs)),
		byAudience: make([][]int32, len(r.vocab.audiences)), byKey: map[topicKey][]int32{}}
	seen := map[string]bool{}
	topics := map[string]topic{} // resolved once per word
	for _, s := range subs {
		e := indexed{user: s.UserID, chat: s.ChatID}
		for _, a := range s.Audiences {
			if i, ok := r.vocab.index(a); ok {
				e.aud = append(e.aud, i)
			}
		}
		for _, w := range s.Topics {
			t, ok := topics[w]
			if !ok {
				t = r.topic(w)
				topics[w] = t
			}
			if t.literal != "" || len(t.groups) > 0 {
				e.topics, e.words = append(e.topics, t), append(e.words, w)
			}
		}
		if (len(s.Audiences) > 0 && len(e.aud) == 0) || (len(s.Topics) > 0 && len(e.topics) == 0) ||
			(len(s.Audiences) == 0 && len(s.Topics) == 0) {
			continue
		}
		x.add(e, seen)
	}
	return x
}

// add lists e.
func (x *Index) add(e indexed, literals map[string]bool) {
	id := int32(len(x.subs))
	x.subs = append(x.subs, e)
	if len(e.aud) == 0 {
		x.anyAud = append(x.anyAud, id)
	}
	for _, a := range e.aud {
		x.byAudience[a] = append(x.byAudience[a], id)
	}
	if len(e.topics) == 0 {
		x.anyTopic = append(x.anyTopic, id)
	}
	for _, t := range e.topics {
		k := t.key()
		if l := x.byKey[k]; len(l) == 0 || l[len(l)-1] != id {
			x.byKey[k] = append(l, id)
		}
		if k.word != "" && !literals[k.word] {
			literals[k.word] = true
			x.literals = append(x.literals, k.word)
		}
	}
}

// Len returns the number of subscriptions that can match.
func (x *Index) Len() int { return len(x.subs) }

// Match returns the subscribers doc concerns, by user id; a user with
// several subscriptions that match is listed once, with the first's Why.
func (x *Index) Match(doc Document) []Match {
	c := x.rules.Concerns(doc)
	return x.match(&c)
}

// Marks of a subscription while matching.
const (
	audienceOK = 1 << iota
	topicOK
)

// match returns the subscribers the document of c concerns.
func (x *Index) match(c *Concern) []Match {
	marks := make([]uint8, len(x.subs))
	for _, id := range x.anyAud {
		marks[id] |= audienceOK
	}
	for a := range c.aud {
		for _, id := range x.byAudience[a] {
			marks[id] |= audienceOK
		}
	}
	var hits []int32
	take := func(id int32) {
		if marks[id] == audienceOK {
			marks[id] |= topicOK
			hits = append(hits, id)
		}
	}
	for _, id := range x.anyTopic {
		take(id)
	}
	for _, k := range x.present(c) {
		for _, id := range x.byKey[k] {
			if marks[id] == audienceOK && slices.ContainsFunc(x.subs[id].topics, c.matches) {
				take(id)
			}
		}
	}
	slices.Sort(hits)
	out := make([]Match, len(hits))
	for i, id := range hits {
		out[i] = x.subs[id].match(x.rules, c)
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(a.UserID, b.UserID) })
	return slices.CompactFunc(out, func(a, b Match) bool { return a.UserID == b.UserID })
}

// present returns the keys the document of c names.
func (x *Index) present(c *Concern) []topicKey {
	keys := make([]topicKey, 0, len(c.groups))
	for g := range c.groups {
		keys = append(keys, topicKey{group: g})
	}
	for _, w := range x.literals {
		if strings.Contains(c.norm, w) {
			keys = append(keys, topicKey{group: -1, word: w})
		}
	}
	return keys
}

// match is the Match of e for the document of c, saying which of e's
// audiences and topics it concerns.
func (e indexed) match(r *Rules, c *Concern) Match {
	var aud, top []string
	for _, a := range e.aud {
		if c.aud[a] {
			aud = append(aud, r.vocab.audiences[a].Name)
		}
	}
	for i, t := range e.topics {
		if c.matches(t) {
			top = append(top, e.words[i])
		}
	}
	var why []string
	if len(aud) > 0 {
		why = append(why, "身份："+strings.Join(aud, "、"))
	}
	if len(top) > 0 {
		why = append(why, "话题："+strings.Join(top, "、"))
	}
	return Match{UserID: e.user, ChatID: e.chat, Why: strings.Join(why, "；")}
}
