package access_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/access"
	"partybot/strictyaml"
	"partybot/tickets"
)

func intp(n int) *int { return &n }

var departments = []tickets.Department{
	{Key: "renshe", Staff: []string{"5", "6"}},
	{Key: "jiaoyu", Staff: []string{"5"}},
	{Key: "sifa"},
}

func TestPolicy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		config  access.Config
		allowed map[string]bool
		cap     int
	}{
		{"open by default", access.Config{}, map[string]bool{"anyone": true, "": true}, access.DefaultTicketsPerHour},
		{"open with a cap", access.Config{Mode: access.Open, TicketsPerHour: intp(20)}, map[string]bool{"x": true}, 20},
		{"open, no cap", access.Config{TicketsPerHour: intp(0)}, map[string]bool{"x": true}, 0},
		{"allowlist", access.Config{Mode: access.Allowlist, Admins: []string{"1"}, AllowedUsers: []string{"2"}},
			map[string]bool{"1": true, "2": true, "5": true, "6": true, "7": false, "": false}, 0},
		{"allowlist with a cap", access.Config{Mode: access.Allowlist, TicketsPerHour: intp(3)}, map[string]bool{"7": false}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := access.New(tc.config, departments)
			require.NoError(t, err)
			for id, want := range tc.allowed {
				assert.Equal(t, want, p.Allowed(id), "Allowed(%q)", id)
			}
			assert.Equal(t, tc.cap, p.TicketsPerHour())
		})
	}
}

func TestPolicyViewer(t *testing.T) {
	p, err := access.New(access.Config{Mode: access.Allowlist, Admins: []string{"1", "5"}}, departments)
	require.NoError(t, err)
	assert.Equal(t, access.Allowlist, p.Mode())
	assert.Equal(t, []string{"1", "5"}, p.Admins())
	assert.True(t, p.IsAdmin("1"))
	assert.False(t, p.IsAdmin(""))
	assert.False(t, p.IsAdmin("6"))

	assert.Equal(t, tickets.Viewer{UserID: "5", Admin: true, Departments: []string{"renshe", "jiaoyu"}}, p.Viewer("5"))
	assert.Equal(t, tickets.Viewer{UserID: "6", Departments: []string{"renshe"}}, p.Viewer("6"))
	assert.Equal(t, tickets.Viewer{UserID: "9"}, p.Viewer("9"))
	assert.Equal(t, tickets.Viewer{}, p.Viewer(""))

	v := p.Viewer("5")
	v.Departments[0] = "changed"
	assert.Equal(t, "renshe", p.Viewer("5").Departments[0], "a viewer shares nothing with the policy")
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config access.Config
		key    string
		want   string
	}{
		{"mode", access.Config{Mode: "closed"}, "mode", `access.mode 应为 open 或 allowlist，而不是 "closed"`},
		{"negative cap", access.Config{TicketsPerHour: intp(-1)}, "tickets_per_hour", "不能为负数"},
		{"blank admin", access.Config{Admins: []string{"1", " "}}, "admins[1]", "用户 id 不能为空"},
		{"blank user", access.Config{AllowedUsers: []string{""}}, "allowed_users[0]", "用户 id 不能为空"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := access.New(tc.config, nil)
			var e *strictyaml.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.key, e.Key)
			assert.Contains(t, e.Msg, tc.want)
		})
	}
}
