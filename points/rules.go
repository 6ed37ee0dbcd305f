package points

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"partybot/strictyaml"
)

// Rules say how many points each confirmed contribution earns and how many
// a user may earn by them in a day and a month.
//
// The caps count only the awards of [RuleReasons]: an award beyond a cap
// is cut to what is left of it, and refused when nothing is left (see
// [Store.Award]). An administrator's [Manual] award and a [Correction] are
// not capped, and a correction gives no room back under a cap.
type Rules struct {
	// Earn is the points of each reason of RuleReasons; a reason missing
	// or 0 earns nothing (its awards are refused).
	Earn map[Reason]int
	// DailyCap and MonthlyCap bound the points a user earns by the rules
	// in a calendar day and month of the store's time zone; 0: no cap.
	DailyCap, MonthlyCap int
}

// Defaults of [DefaultRules]: a verified report or an adopted lead is
// worth two volunteer services, an adopted suggestion twice as much again
// (it takes the most work), a partly adopted one half of that. The daily
// cap is five verified reports, the monthly cap thirty: enough for the
// keenest rider, and not a living.
const (
	DefaultDailyCap   = 50
	DefaultMonthlyCap = 300
)

// Bounds the rules are checked against.
const (
	// MaxPoints is the most points one entry may carry: a rule's earn, a
	// manual award, a correction (either way).
	MaxPoints = 1000
	// MaxCap is the highest daily or monthly cap.
	MaxCap = 100000
)

// DefaultRules returns the default rules: report_verified 10,
// lead_adopted 10, suggestion_adopted 20, suggestion_partly_adopted 10,
// volunteer_service 5; a daily cap of 50 and a monthly cap of 300.
func DefaultRules() Rules {
	return Rules{
		Earn: map[Reason]int{
			ReportVerified: 10, LeadAdopted: 10, SuggestionAdopted: 20,
			SuggestionPartlyAdopted: 10, VolunteerService: 5,
		},
		DailyCap:   DefaultDailyCap,
		MonthlyCap: DefaultMonthlyCap,
	}
}

// Validate checks r strictly. Returns a [*strictyaml.Error] whose Key is
// the setting at fault under the "points" section ("rules.lead_adopted",
// "daily_cap"), for [strictyaml.Document.Locate].
func (r Rules) Validate() error {
	for _, k := range slices.Sorted(maps.Keys(r.Earn)) {
		if err := r.checkEarn(k); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		key string
		n   int
	}{{"daily_cap", r.DailyCap}, {"monthly_cap", r.MonthlyCap}} {
		if c.n < 0 || c.n > MaxCap {
			return strictyaml.Errorf(c.key, "points.%s 应在 0 到 %d 之间（0 表示不设上限）", c.key, MaxCap)
		}
	}
	if r.DailyCap > 0 && r.MonthlyCap > 0 && r.DailyCap > r.MonthlyCap {
		return strictyaml.Errorf("daily_cap", "points.daily_cap（%d）不能大于 points.monthly_cap（%d）", r.DailyCap, r.MonthlyCap)
	}
	return nil
}

// checkEarn checks the points of reason k.
func (r Rules) checkEarn(k Reason) error {
	key := "rules." + string(k)
	n := r.Earn[k]
	switch {
	case !k.ruled():
		return unknownRule(string(k))
	case n < 0 || n > MaxPoints:
		return strictyaml.Errorf(key, "points.%s 应在 0 到 %d 之间（0 表示这一项不计积分）", key, MaxPoints)
	case r.DailyCap > 0 && n > r.DailyCap:
		return strictyaml.Errorf(key, "points.%s（%d）大于每日上限 points.daily_cap（%d），每次都会被削减", key, n, r.DailyCap)
	case r.MonthlyCap > 0 && n > r.MonthlyCap:
		return strictyaml.Errorf(key, "points.%s（%d）大于每月上限 points.monthly_cap（%d），每次都会被削减", key, n, r.MonthlyCap)
	}
	return nil
}

// unknownRule is the error of a rule key that is no reason of RuleReasons.
func unknownRule(k string) error {
	known := make([]string, len(RuleReasons))
	for i, r := range RuleReasons {
		known[i] = string(r)
	}
	msg := fmt.Sprintf("未知的积分规则 points.rules.%s", k)
	if near := strictyaml.Nearest(k, known); near != "" {
		msg += fmt.Sprintf("，是否想写 %s？", near)
	} else {
		msg += fmt.Sprintf("（可用的规则：%s）", strings.Join(known, "、"))
	}
	return strictyaml.Errorf("rules."+k, "%s", msg)
}

// Config is the "points" section of the config file:
//
//	points:
//	  rules: {report_verified: 10, lead_adopted: 10, suggestion_adopted: 20,
//	          suggestion_partly_adopted: 10, volunteer_service: 5}
//	  daily_cap: 50
//	  monthly_cap: 300
//
// Every setting is optional: a rule or cap not written keeps its default
// ([DefaultRules]).
type Config struct {
	// Rules are the points of reasons by key (report_verified …); 0
	// stops a reason earning.
	Rules map[string]int `yaml:"rules"`
	// DailyCap and MonthlyCap are the caps; 0: no cap.
	DailyCap   *int `yaml:"daily_cap"`
	MonthlyCap *int `yaml:"monthly_cap"`
}

// Resolve returns the rules c makes: the defaults with c's settings
// applied. Returns the error of [Rules.Validate].
func (c Config) Resolve() (Rules, error) {
	r := DefaultRules()
	for k, n := range c.Rules {
		r.Earn[Reason(k)] = n
	}
	if c.DailyCap != nil {
		r.DailyCap = *c.DailyCap
	}
	if c.MonthlyCap != nil {
		r.MonthlyCap = *c.MonthlyCap
	}
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// Validate checks c. Returns a [*strictyaml.Error] whose Key is the
// setting at fault ("rules.lead_adopted", "monthly_cap").
func (c Config) Validate() error {
	_, err := c.Resolve()
	return err
}
