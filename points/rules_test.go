package points_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/points"
	"partybot/strictyaml"
)

func TestDefaultRulesValid(t *testing.T) {
	require.NoError(t, points.DefaultRules().Validate())
	require.NoError(t, points.Config{}.Validate())
	r, err := points.Config{}.Resolve()
	require.NoError(t, err)
	assert.Equal(t, points.DefaultRules(), r)
}

// TestConfig: the "points" section as the config layer reads it; each
// error names its setting and is placed on its line.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		line int
		msg  string
	}{
		{"misspelt rule", "points:\n  rules:\n    repot_verified: 5\n", 3,
			"未知的积分规则 points.rules.repot_verified，是否想写 report_verified？"},
		{"not a rule", "points:\n  rules:\n    manual: 5\n", 3, "未知的积分规则 points.rules.manual（可用的规则："},
		{"negative", "points:\n  rules:\n    lead_adopted: -1\n", 3, "points.rules.lead_adopted 应在 0 到 1000 之间"},
		{"above the daily cap", "points:\n  daily_cap: 15\n  rules:\n    suggestion_adopted: 20\n", 4,
			"points.rules.suggestion_adopted（20）大于每日上限 points.daily_cap（15）"},
		{"daily above monthly", "points:\n  daily_cap: 60\n  monthly_cap: 40\n", 2, "points.daily_cap（60）不能大于 points.monthly_cap（40）"},
		{"cap out of range", "points:\n  monthly_cap: -5\n", 2, "points.monthly_cap 应在 0 到 100000 之间"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := strictyaml.Parse([]byte(tc.yaml))
			require.NoError(t, err)
			var f struct {
				Points points.Config `yaml:"points"`
			}
			require.NoError(t, doc.Decode(&f))
			err = doc.Locate(f.Points.Validate(), "points")
			var se *strictyaml.Error
			require.True(t, errors.As(err, &se), "%v", err)
			assert.Equal(t, tc.line, se.Line)
			assert.Contains(t, se.Msg, tc.msg)
		})
	}
}

// TestConfigResolve: settings override the defaults; 0 switches a rule or
// a cap off.
func TestConfigResolve(t *testing.T) {
	zero, month := 0, 500
	r, err := points.Config{Rules: map[string]int{"volunteer_service": 0, "lead_adopted": 15},
		DailyCap: &zero, MonthlyCap: &month}.Resolve()
	require.NoError(t, err)
	assert.Equal(t, 0, r.Earn[points.VolunteerService])
	assert.Equal(t, 15, r.Earn[points.LeadAdopted])
	assert.Equal(t, 10, r.Earn[points.ReportVerified])
	assert.Equal(t, 0, r.DailyCap)
	assert.Equal(t, 500, r.MonthlyCap)
}
