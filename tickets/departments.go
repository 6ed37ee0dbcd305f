package tickets

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/strictyaml"
)

//go:embed departments.yaml
var departmentsYAML []byte

// FallbackDepartment is the key of the department that receives demands the
// router cannot place with confidence, and dispatches them by hand.
const FallbackDepartment = "shegong"

// Department is a body demands are routed to.
type Department struct {
	Key    string  `yaml:"key"`
	Name   string  `yaml:"name"`
	Scope  string  `yaml:"scope"`
	Topics []Topic `yaml:"topics"`

	ChatID int64    `yaml:"chat_id"` // Telegram chat that receives its notifications
	Staff  []string `yaml:"staff"`   // user ids of its staff

	// Deadlines in hours from dispatch: accept (响应) and resolve (办结),
	// for normal and urgent demands.
	ResponseHours       float64 `yaml:"response_hours"`
	ResolveHours        float64 `yaml:"resolve_hours"`
	UrgentResponseHours float64 `yaml:"urgent_response_hours"`
	UrgentResolveHours  float64 `yaml:"urgent_resolve_hours"`
}

// Topic is a category of a department's work and the words that signal it.
// Strong keywords decide the subject by themselves, Keywords are typical of
// it, Weak ones only lean towards it (see departments.yaml).
type Topic struct {
	Category string   `yaml:"category"`
	Strong   []string `yaml:"strong"`
	Keywords []string `yaml:"keywords"`
	Weak     []string `yaml:"weak"`
}

// Keyword weights per tier.
const (
	weightStrong = 3.0
	weightNormal = 2.0
	weightWeak   = 0.8
)

// Deadlines returns how long the department has to accept and to resolve a
// demand of urgency u.
func (d Department) Deadlines(u Urgency) (respond, resolve time.Duration) {
	r, s := d.ResponseHours, d.ResolveHours
	if u == UrgencyUrgent {
		r, s = d.UrgentResponseHours, d.UrgentResolveHours
	}
	return hours(r), hours(s)
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// DefaultDepartments returns the shipped departments (departments.yaml), a
// fresh copy on every call.
func DefaultDepartments() []Department {
	ds, err := ParseDepartments(departmentsYAML)
	if err != nil {
		panic("tickets: embedded departments.yaml: " + err.Error())
	}
	return ds
}

// ParseDepartments parses a YAML list of departments strictly and
// validates it: an unknown key, a value of the wrong type or a value out
// of range is an EINVALID error whose message names the line and the key
// ("第 5 行：部门 renshe 的 response_hours 应大于 0 且不超过 8784 小时"),
// wrapping the [*strictyaml.Error].
func ParseDepartments(data []byte) ([]Department, error) {
	doc, err := strictyaml.Parse(data)
	if err != nil {
		return nil, departmentsFileError(err)
	}
	var ds []Department
	if err := doc.Decode(&ds); err != nil {
		return nil, departmentsFileError(err)
	}
	if err := ValidateDepartments(ds); err != nil {
		return nil, departmentsFileError(doc.Locate(err, ""))
	}
	return ds, nil
}

// departmentsFileError is the EINVALID error of a problem in a
// departments file.
func departmentsFileError(err error) error {
	if apperr.Code(err) == apperr.EInvalid {
		return err
	}
	return apperr.Wrap(err, apperr.EInvalid, "部门配置有误：%s", err.Error())
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// maxHours is the longest deadline: a (leap) year.
const maxHours = 24 * 366

// ValidateDepartments checks keys (unique, lower-case ASCII), names,
// deadlines and staff ids, and that the fallback department exists.
// Returns EINVALID; a problem of one department wraps a
// [*strictyaml.Error] whose Key is its setting in the list,
// "[i].response_hours", for [strictyaml.Document.Locate].
func ValidateDepartments(ds []Department) error {
	if len(ds) == 0 {
		return apperr.Errorf(apperr.EInvalid, "至少需要配置一个部门")
	}
	seen := map[string]bool{}
	for i, d := range ds {
		if seen[d.Key] {
			return invalidAt(i, "key", "部门标识 %q 重复", d.Key)
		}
		if err := d.validate(i); err != nil {
			return err
		}
		seen[d.Key] = true
	}
	if !seen[FallbackDepartment] {
		return apperr.Errorf(apperr.EInvalid, "缺少兜底部门 %s", FallbackDepartment)
	}
	return nil
}

// validate checks d, the i-th department of a list.
func (d Department) validate(i int) error {
	switch {
	case !keyRE.MatchString(d.Key):
		return invalidAt(i, "key", "部门标识 %q 无效：应为小写字母开头的字母、数字或下划线", d.Key)
	case strings.TrimSpace(d.Name) == "":
		return invalidAt(i, "name", "部门 %s 缺少名称（name）", d.Key)
	}
	for _, h := range d.deadlines() {
		if *h.hours <= 0 || *h.hours > maxHours {
			return invalidAt(i, h.name, "部门 %s 的 %s 应大于 0 且不超过 %d 小时", d.Key, h.name, maxHours)
		}
	}
	if d.ResponseHours > d.ResolveHours {
		return invalidAt(i, "response_hours", "部门 %s 的响应时限 response_hours 不能长于办结时限 resolve_hours", d.Key)
	}
	if d.UrgentResponseHours > d.UrgentResolveHours {
		return invalidAt(i, "urgent_response_hours", "部门 %s 的响应时限 urgent_response_hours 不能长于办结时限 urgent_resolve_hours", d.Key)
	}
	for j, id := range d.Staff {
		if strings.TrimSpace(id) == "" {
			return invalidAt(i, fmt.Sprintf("staff[%d]", j), "部门 %s 的工作人员 id 不能为空", d.Key)
		}
	}
	return nil
}

// hoursField is one of a department's deadlines and its setting's name.
type hoursField struct {
	name  string
	hours *float64
}

// deadlines returns d's four deadlines by their settings' names.
func (d *Department) deadlines() []hoursField {
	return []hoursField{
		{"response_hours", &d.ResponseHours}, {"resolve_hours", &d.ResolveHours},
		{"urgent_response_hours", &d.UrgentResponseHours}, {"urgent_resolve_hours", &d.UrgentResolveHours},
	}
}

// invalidAt is the EINVALID error of setting field of the i-th department
// of a list.
func invalidAt(i int, field, format string, args ...any) error {
	e := strictyaml.Errorf(fmt.Sprintf("[%d].%s", i, field), format, args...)
	return apperr.Wrap(e, apperr.EInvalid, "%s", e.Msg)
}

// MergeDepartments applies overrides to base by key and returns the result:
// set fields replace (name, scope, chat id, staff, deadlines), topics are
// appended (deployers add local words), and an unknown key adds a department,
// which then needs a name and deadlines of its own. base is not modified.
// Returns EINVALID when an override or the result does not validate; a
// problem of an override wraps a [*strictyaml.Error] whose Key is its
// setting in overrides ("[i].key"): a key that is neither known nor a
// complete new department is taken for a slip, with the nearest known key.
func MergeDepartments(base, overrides []Department) ([]Department, error) {
	out := make([]Department, len(base))
	for i, d := range base {
		d.Topics = slices.Clone(d.Topics)
		d.Staff = slices.Clone(d.Staff)
		out[i] = d
	}
	for i, o := range overrides {
		if err := checkOverride(i, o, out); err != nil {
			return nil, err
		}
		j := slices.IndexFunc(out, func(d Department) bool { return d.Key == o.Key })
		if j < 0 {
			out = append(out, o)
			continue
		}
		out[j].apply(o)
	}
	if err := ValidateDepartments(out); err != nil {
		return nil, blameOverride(err, out, overrides)
	}
	return out, nil
}

// apply sets the fields o sets, and appends o's topics.
func (d *Department) apply(o Department) {
	if o.Name != "" {
		d.Name = o.Name
	}
	if o.Scope != "" {
		d.Scope = o.Scope
	}
	if o.ChatID != 0 {
		d.ChatID = o.ChatID
	}
	if o.Staff != nil {
		d.Staff = slices.Clone(o.Staff)
	}
	set := o.deadlines()
	for k, h := range d.deadlines() {
		if v := *set[k].hours; v != 0 {
			*h.hours = v
		}
	}
	d.Topics = append(d.Topics, o.Topics...)
}

// checkOverride checks the i-th override o against the departments so
// far: its key, its deadlines (0 keeps the department's), and that a new
// key comes with a name and all four deadlines.
func checkOverride(i int, o Department, ds []Department) error {
	if !keyRE.MatchString(o.Key) {
		return invalidAt(i, "key", "部门标识 %q 无效：应为小写字母开头的字母、数字或下划线", o.Key)
	}
	for _, h := range o.deadlines() {
		if *h.hours < 0 || *h.hours > maxHours {
			return invalidAt(i, h.name, "部门 %s 的 %s 应在 0 到 %d 小时之间（0 或不写表示沿用默认）", o.Key, h.name, maxHours)
		}
	}
	keys := make([]string, len(ds))
	for k, d := range ds {
		keys[k] = d.Key
	}
	if slices.Contains(keys, o.Key) {
		return nil
	}
	complete := strings.TrimSpace(o.Name) != "" && !slices.ContainsFunc(o.deadlines(), func(h hoursField) bool { return *h.hours == 0 })
	if complete {
		return nil
	}
	const howToAdd = "新增部门须写明 name 和 response_hours、resolve_hours、urgent_response_hours、urgent_resolve_hours"
	if near := strictyaml.Nearest(o.Key, keys); near != "" {
		return invalidAt(i, "key", "未知的部门 %s，是否想写 %s？（%s）", o.Key, near, howToAdd)
	}
	return invalidAt(i, "key", "未知的部门 %s（%s；已有的部门：%s）", o.Key, howToAdd, strings.Join(keys, "、"))
}

// blameOverride turns a problem of the j-th merged department into one of
// the last override that set it; a problem of base stays without a place.
func blameOverride(err error, merged, overrides []Department) error {
	var e *strictyaml.Error
	var j int
	var field string
	if !errors.As(err, &e) {
		return err
	}
	if _, scanErr := fmt.Sscanf(e.Key, "[%d].", &j); scanErr != nil || j >= len(merged) {
		return apperr.Errorf(apperr.EInvalid, "%s", e.Msg)
	}
	_, field, _ = strings.Cut(e.Key, ".")
	for i := len(overrides) - 1; i >= 0; i-- {
		if overrides[i].Key == merged[j].Key {
			return invalidAt(i, field, "%s", e.Msg)
		}
	}
	return apperr.Errorf(apperr.EInvalid, "%s", e.Msg)
}

// departmentIndex looks departments up by key, keeping their order.
type departmentIndex struct {
	list  []Department
	byKey map[string]int
}

func newDepartmentIndex(ds []Department) departmentIndex {
	ix := departmentIndex{list: ds, byKey: make(map[string]int, len(ds))}
	for i, d := range ds {
		ix.byKey[d.Key] = i
	}
	return ix
}

func (ix departmentIndex) get(key string) (Department, bool) {
	i, ok := ix.byKey[key]
	if !ok {
		return Department{}, false
	}
	return ix.list[i], true
}

// name returns the department's name, or the key when it is not configured
// (any longer).
func (ix departmentIndex) name(key string) string {
	if d, ok := ix.get(key); ok {
		return d.Name
	}
	return key
}

func (ix departmentIndex) mustGet(key string) (Department, error) {
	d, ok := ix.get(key)
	if !ok {
		return Department{}, apperr.Errorf(apperr.EInvalid, "未知部门 %q", key)
	}
	return d, nil
}

// String is for debugging.
func (d Department) String() string { return fmt.Sprintf("%s(%s)", d.Key, d.Name) }
