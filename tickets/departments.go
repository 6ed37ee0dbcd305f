package tickets

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"partybot/apperr"

	"gopkg.in/yaml.v3"
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

// ParseDepartments parses a YAML list of departments and validates it.
// Returns EINVALID when the data is malformed or incomplete.
func ParseDepartments(data []byte) ([]Department, error) {
	var ds []Department
	if err := yaml.Unmarshal(data, &ds); err != nil {
		return nil, apperr.Errorf(apperr.EInvalid, "部门配置格式错误：%v", err)
	}
	if err := ValidateDepartments(ds); err != nil {
		return nil, err
	}
	return ds, nil
}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// ValidateDepartments checks keys (unique, lower-case ASCII), names and
// deadlines, and that the fallback department exists. Returns EINVALID.
func ValidateDepartments(ds []Department) error {
	if len(ds) == 0 {
		return apperr.Errorf(apperr.EInvalid, "至少需要配置一个部门")
	}
	seen := map[string]bool{}
	for _, d := range ds {
		switch {
		case !keyRE.MatchString(d.Key):
			return apperr.Errorf(apperr.EInvalid, "部门标识 %q 无效：应为小写字母开头的字母、数字或下划线", d.Key)
		case seen[d.Key]:
			return apperr.Errorf(apperr.EInvalid, "部门标识 %q 重复", d.Key)
		case strings.TrimSpace(d.Name) == "":
			return apperr.Errorf(apperr.EInvalid, "部门 %s 缺少名称", d.Key)
		}
		for _, h := range []float64{d.ResponseHours, d.ResolveHours, d.UrgentResponseHours, d.UrgentResolveHours} {
			if h <= 0 || h > 24*366 {
				return apperr.Errorf(apperr.EInvalid, "部门 %s 的办理时限应在 0 到 8784 小时之间", d.Key)
			}
		}
		if d.ResponseHours > d.ResolveHours || d.UrgentResponseHours > d.UrgentResolveHours {
			return apperr.Errorf(apperr.EInvalid, "部门 %s 的响应时限不能长于办结时限", d.Key)
		}
		seen[d.Key] = true
	}
	if !seen[FallbackDepartment] {
		return apperr.Errorf(apperr.EInvalid, "缺少兜底部门 %s", FallbackDepartment)
	}
	return nil
}

// MergeDepartments applies overrides to base by key and returns the result:
// set fields replace (name, scope, chat id, staff, deadlines), topics are
// appended (deployers add local words), and an unknown key adds a department,
// which then needs a name and deadlines of its own. base is not modified.
// Returns EINVALID when the result does not validate.
func MergeDepartments(base, overrides []Department) ([]Department, error) {
	out := make([]Department, len(base))
	for i, d := range base {
		d.Topics = slices.Clone(d.Topics)
		d.Staff = slices.Clone(d.Staff)
		out[i] = d
	}
	for _, o := range overrides {
		i := slices.IndexFunc(out, func(d Department) bool { return d.Key == o.Key })
		if i < 0 {
			out = append(out, o)
			continue
		}
		d := &out[i]
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
		for _, p := range []struct{ dst, src *float64 }{
			{&d.ResponseHours, &o.ResponseHours}, {&d.ResolveHours, &o.ResolveHours},
			{&d.UrgentResponseHours, &o.UrgentResponseHours}, {&d.UrgentResolveHours, &o.UrgentResolveHours},
		} {
			if *p.src != 0 {
				*p.dst = *p.src
			}
		}
		d.Topics = append(d.Topics, o.Topics...)
	}
	if err := ValidateDepartments(out); err != nil {
		return nil, err
	}
	return out, nil
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
