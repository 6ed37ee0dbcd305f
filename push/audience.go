package push

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"partybot/apperr"
	"partybot/glossary"
	"partybot/strictyaml"
)

//go:embed audiences.yaml
var audiencesYAML []byte

// Audience is an identity a notice can be for (快递员, 外卖骑手, 社会组织 …)
// and the expressions that name it. In YAML (see audiences.yaml):
//
//   - name: 外卖骑手
//     synonyms: [骑手, 外卖员]   # in documents and from users
//     words: [送外卖的]          # from users only
//     members: []               # for a group: the identities within it
type Audience struct {
	Name     string   `yaml:"name"`
	Synonyms []string `yaml:"synonyms"`
	Words    []string `yaml:"words"`
	Members  []string `yaml:"members"`
}

// Vocabulary is a validated list of audiences. It is safe for concurrent
// use.
type Vocabulary struct {
	audiences []Audience
	byWord    map[string]int    // normalised name, synonym or word → audience
	text      *glossary.Matcher // names and synonyms, as documents say them
	textRefs  []int             // word of text → audience
	members   [][]int           // per audience: its members
}

// DefaultVocabulary returns the shipped audiences (audiences.yaml).
func DefaultVocabulary() *Vocabulary {
	v, err := ParseVocabulary(audiencesYAML)
	if err != nil {
		panic("push: embedded audiences.yaml: " + err.Error())
	}
	return v
}

// ParseVocabulary parses a YAML list of audiences strictly and checks it.
// Returns an apperr.EInvalid error naming the line: an unknown key, a value
// of the wrong type, a missing name, an expression of two audiences, an
// unknown member or a group within a group.
func ParseVocabulary(data []byte) (*Vocabulary, error) {
	doc, err := strictyaml.Parse(data)
	if err != nil {
		return nil, vocabularyError(err)
	}
	var list []Audience
	if err := doc.Decode(&list); err != nil {
		return nil, vocabularyError(err)
	}
	v, err := newVocabulary(list)
	if err != nil {
		return nil, vocabularyError(doc.Locate(err, ""))
	}
	return v, nil
}

func vocabularyError(err error) error {
	return apperr.Wrap(err, apperr.EInvalid, "推送对象配置有误：%s", err.Error())
}

// newVocabulary checks as and indexes its expressions.
func newVocabulary(as []Audience) (*Vocabulary, error) {
	if len(as) == 0 {
		return nil, strictyaml.Errorf("", "推送对象列表是空的")
	}
	v := &Vocabulary{audiences: as, byWord: map[string]int{}, members: make([][]int, len(as))}
	var text []string
	for i, a := range as {
		if err := v.add(i, a, &text); err != nil {
			return nil, err
		}
	}
	for i, a := range as {
		if err := v.link(i, a); err != nil {
			return nil, err
		}
	}
	v.text = glossary.NewMatcher(text)
	return v, nil
}

// add indexes the expressions of audience i; names and synonyms also go
// to text, the words documents are searched for.
func (v *Vocabulary) add(i int, a Audience, text *[]string) error {
	path := fmt.Sprintf("[%d]", i)
	if glossary.Normalize(a.Name) == "" {
		return strictyaml.Errorf(path+".name", "第 %d 个推送对象缺少 name", i+1)
	}
	exprs := append(append([]string{a.Name}, a.Synonyms...), a.Words...)
	for j, e := range exprs {
		ne := glossary.Normalize(e)
		if ne == "" {
			return strictyaml.Errorf(path, "推送对象 %s 有空的说法", a.Name)
		}
		if prev, ok := v.byWord[ne]; ok && prev != i {
			return strictyaml.Errorf(path, "“%s”同时属于推送对象 %s 和 %s", e, v.audiences[prev].Name, a.Name)
		} else if ok {
			continue
		}
		v.byWord[ne] = i
		if j <= len(a.Synonyms) {
			*text = append(*text, ne)
			v.textRefs = append(v.textRefs, i)
		}
	}
	return nil
}

// link resolves the members of audience i.
func (v *Vocabulary) link(i int, a Audience) error {
	for j, m := range a.Members {
		k, ok := v.index(m)
		path := fmt.Sprintf("[%d].members[%d]", i, j)
		switch {
		case !ok:
			return strictyaml.Errorf(path, "推送对象 %s 的成员 %s 不是已定义的推送对象", a.Name, m)
		case k == i || len(v.audiences[k].Members) > 0:
			return strictyaml.Errorf(path, "推送对象 %s 的成员 %s 不能是群体本身或另一个群体", a.Name, m)
		}
		v.members[i] = append(v.members[i], k)
	}
	return nil
}

// index returns the audience a name, synonym or word means.
func (v *Vocabulary) index(word string) (int, bool) {
	i, ok := v.byWord[glossary.Normalize(word)]
	return i, ok
}

// Audiences returns a copy of the audiences as written.
func (v *Vocabulary) Audiences() []Audience {
	out := make([]Audience, len(v.audiences))
	for i, a := range v.audiences {
		out[i] = Audience{Name: a.Name, Synonyms: slices.Clone(a.Synonyms),
			Words: slices.Clone(a.Words), Members: slices.Clone(a.Members)}
	}
	return out
}

// Names returns the audiences' names, in the file's order.
func (v *Vocabulary) Names() []string {
	out := make([]string, len(v.audiences))
	for i, a := range v.audiences {
		out[i] = a.Name
	}
	return out
}

// Lookup returns the name of the audience word means (快递小哥 → 快递员).
func (v *Vocabulary) Lookup(word string) (string, bool) {
	i, ok := v.index(word)
	if !ok {
		return "", false
	}
	return v.audiences[i].Name, true
}

// Resolve returns the name of the audience word means. Returns an
// apperr.EInvalid error for any other word, suggesting the nearest
// audience when one is close ("未知的身份“外麦骑手”，是否想选“外卖骑手”？").
func (v *Vocabulary) Resolve(word string) (string, error) {
	if name, ok := v.Lookup(word); ok {
		return name, nil
	}
	word = strings.TrimSpace(word)
	if near := v.nearest(word); near != "" {
		return "", apperr.Errorf(apperr.EInvalid, "未知的身份“%s”，是否想选“%s”？", word, near)
	}
	return "", apperr.Errorf(apperr.EInvalid, "未知的身份“%s”，可选：%s", word, strings.Join(v.Names(), "、"))
}

// Suggest returns the audience a word that names none was probably meant
// to name ("外麦骑手" → "外卖骑手"), or "" when none is close.
func (v *Vocabulary) Suggest(word string) string {
	if _, ok := v.Lookup(word); ok {
		return ""
	}
	return v.nearest(word)
}

// nearest is the audience whose expression is closest to word by edit
// distance ([strictyaml.Nearest]) and shares a character with it, or "".
func (v *Vocabulary) nearest(word string) string {
	w := glossary.Normalize(word)
	known := make([]string, 0, len(v.byWord))
	for e := range v.byWord {
		known = append(known, e)
	}
	slices.Sort(known) // ties go to the same expression every time
	near := strictyaml.Nearest(w, known)
	if near == "" || !strings.ContainsAny(near, w) {
		return ""
	}
	return v.audiences[v.byWord[near]].Name
}
