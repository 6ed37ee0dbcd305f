package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/strictyaml"
	"partybot/tickets"
)

// writeConfig writes a config file into a new folder and returns its path.
func writeConfig(tb testing.TB, content string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "partybot.yaml")
	require.NoError(tb, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestConfigFile(t *testing.T) {
	c := DefaultConfig()
	require.NoError(t, c.ReadFile(writeConfig(t, `
admins: ["9"]
access: {mode: allowlist, admins: [1], allowed_users: [2]}
routing: {threshold: 0.4}
llm: {timeout_seconds: 5}
conversation: {step_minutes: 3}
departments:
  - key: jiaoyu
    staff: [5, 6]
    urgent_response_hours: 1
  - key: shuiwu
    name: 区水务局
    scope: 供水
    strong_keywords: [停水]
    response_hours: 4
    resolve_hours: 24
    urgent_response_hours: 1
    urgent_resolve_hours: 8
`)))
	p := c.policy
	require.NotNil(t, p)
	assert.True(t, p.IsAdmin("1"))
	assert.True(t, p.IsAdmin("9"), "top-level admins count")
	assert.False(t, p.IsAdmin("2"))
	assert.Equal(t, 0.4, c.RouteThreshold)
	assert.Equal(t, 5.0, c.LLM.TimeoutSeconds)
	assert.Equal(t, 3.0, c.StepMinutes)
	assert.Equal(t, []string{"jiaoyu"}, p.Viewer("5").Departments)
	assert.False(t, p.Viewer("5").Admin)
	for id, want := range map[string]bool{"1": true, "2": true, "5": true, "7": false, "": false} {
		assert.Equal(t, want, p.Allowed(id), "Allowed(%q)", id)
	}
	require.Len(t, c.departments, 14)

	out := mustCLI(t, t.TempDir(), writeConfig(t, "departments:\n  - key: shuiwu\n    name: 区水务局\n    strong_keywords: [停水]\n"+
		"    response_hours: 4\n    resolve_hours: 24\n    urgent_response_hours: 1\n    urgent_resolve_hours: 8\n"),
		"route", "--json", "小区又停水了")
	assert.Contains(t, out, `"shuiwu"`, "a configured department is routed to")

	c = DefaultConfig()
	err := c.ReadFile(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "不存在")
	require.NoError(t, c.ReadFile(writeConfig(t, "# nothing set\n")), "an empty file is the defaults")
	assert.True(t, c.policy.Allowed("anyone"), "open mode by default")
}

// TestConfigFileErrors: an unknown key, a misspelt department key, a
// wrong type or a value out of range is an error naming the file, the
// line and the setting.
func TestConfigFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, key, want string
		line                  int
	}{
		{"misspelt section", "acess:\n  mode: allowlist\n", "acess", "未知的设置 acess，是否想写 access？", 1},
		{"misspelt setting", "access:\n  mode: allowlist\n  admin: [1]\n", "access.admin", "未知的设置 access.admin，是否想写 admins？", 3},
		{"web misspelt", "web:\n  listen: :8080\n  ulr: https://console.example.org\n", "web.ulr", "未知的设置 web.ulr，是否想写 url？", 3},
		{"web url not http", "web:\n  url: ftp://console.example.org\n", "web.url", "web.url 应为 http(s) 地址", 2},
		{"web url without host", "web:\n  url: console.example.org\n", "web.url", "web.url 应为 http(s) 地址", 2},
		{"web listen without port", "web:\n  listen: 127.0.0.1\n", "web.listen", "web.listen 应为“主机:端口”", 2},
		{"web listen not a string", "web:\n  listen: [1]\n", "web.listen", "web.listen", 2},
		{"misspelt department key", "departments:\n  - key: renshe\n    staff: [1]\n  - key: renshee\n    chat_id: -100\n",
			"departments[1].key", "未知的部门 renshee，是否想写 renshe？", 4},
		{"chat id not a number", "departments:\n  - key: renshe\n    chat_id: abc\n", "departments.chat_id", "departments.chat_id 应为整数，而不是“abc”", 3},
		{"negative hours", "departments:\n  - key: renshe\n\n    resolve_hours: -1\n", "departments[0].resolve_hours", "部门 renshe 的 resolve_hours 应在 0 到 8784 小时之间", 4},
		{"response past resolution", "departments:\n  - key: renshe\n    response_hours: 500\n", "departments[0].response_hours", "不能长于", 3},
		{"bad department key", "departments: [{key: 水务, name: 水务}]", "departments[0].key", "部门标识 \"水务\" 无效", 1},
		{"new department without deadlines", "departments:\n  - {key: shuiwu, name: 水务}\n", "departments[0].key", "新增部门须写明 name 和 response_hours", 2},
		{"blank staff id", "departments:\n  - key: sifa\n    staff:\n      - \"\"\n", "departments[0].staff[0]", "工作人员 id 不能为空", 4},
		{"access mode", "access:\n  mode: closed\n", "access.mode", "access.mode 应为 open 或 allowlist", 2},
		{"tickets per hour", "access:\n  tickets_per_hour: -1\n", "access.tickets_per_hour", "access.tickets_per_hour 不能为负数", 2},
		{"tickets per hour not a number", "access:\n  tickets_per_hour: many\n", "access.tickets_per_hour", "access.tickets_per_hour 应为整数", 2},
		{"blank admin", "access:\n  admins:\n    - \"1\"\n    - \"\"\n", "access.admins[1]", "用户 id 不能为空", 4},
		{"blank top-level admin", "admins: [\"\"]\n", "admins[0]", "用户 id 不能为空", 1},
		{"threshold", "routing:\n  threshold: 2\n", "routing.threshold", "routing.threshold 应在 0 到 1 之间", 2},
		{"llm timeout", "llm:\n  timeout_seconds: -1\n", "llm.timeout_seconds", "llm.timeout_seconds 不能为负数", 2},
		{"llm retries", "llm:\n  max_retries: 11\n", "llm.max_retries", "llm.max_retries 应在 0 到 10 之间", 2},
		{"llm key", "llm:\n  api_key: sk-1\n", "llm.api_key", "OPENAI_API_KEY", 2},
		{"step minutes", "conversation:\n  step_minutes: -1\n", "conversation.step_minutes", "conversation.step_minutes 应在 0 到 1440 之间", 2},
		{"lease shorter than handling", "telegram:\n  handle_seconds: 60\n  update_lease_seconds: 30\n", "telegram.update_lease_seconds", "应长于处理时限 handle_seconds（60 秒）", 3},
		{"notice lease too short", "telegram:\n  notice_lease_seconds: 2\n", "telegram.notice_lease_seconds", "应在 10 到 3600 之间", 2},
		{"quiet hours", "push:\n  quiet_hours: 25:00-08:00\n", "push.quiet_hours", "quiet_hours", 2},
		{"points rule misspelt", "points:\n  rules:\n    repot_verified: 5\n", "points.rules.repot_verified", "是否想写 report_verified", 3},
		{"handling too long", "telegram:\n  handle_seconds: 7200\n", "telegram.handle_seconds", "telegram.handle_seconds 应在 0 到 3600 之间", 2},
		{"database not postgres", "database:\n  url: /var/lib/tickets.db\n", "database.url", "应为 PostgreSQL 地址", 2},
		{"database password", "database:\n  url: postgres://bot:hunter2@db/partybot\n", "database.url", "不能含密码", 2},
		{"database misspelt", "database:\n  uri: postgres://db/partybot\n", "database.uri", "未知的设置 database.uri，是否想写 url？", 2},
		{"syntax", "access: [\n", "", "YAML 格式错误", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.yaml)
			c := DefaultConfig()
			err := c.ReadFile(path)
			require.Error(t, err)
			var e *strictyaml.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.line, e.Line, err.Error())
			assert.Equal(t, tc.key, e.Key)
			assert.Contains(t, err.Error(), "配置文件 "+path+" 第 ")
			assert.Contains(t, err.Error(), tc.want)
			assert.Nil(t, c.policy, "a bad file changes nothing")

			// The command line refuses to start, with a plain (exit 1) error.
			_, _, err = run(t, t.TempDir(), "", "--config", path, "route", "井盖丢了")
			require.Error(t, err)
			assert.False(t, isUsage(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestConfigTicketsPerHour(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       int
	}{
		{"open mode by default", "access: {mode: open}", 5},
		{"no access section", "routing: {threshold: 0.3}", 5},
		{"allowlist: no cap unless set", "access: {mode: allowlist, allowed_users: [1]}", 0},
		{"allowlist with a cap", "access: {mode: allowlist, tickets_per_hour: 3}", 3},
		{"open with another cap", "access: {tickets_per_hour: 20}", 20},
		{"open, cap turned off", "access: {tickets_per_hour: 0}", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			require.NoError(t, c.ReadFile(writeConfig(t, tc.yaml)))
			assert.Equal(t, tc.want, c.policy.TicketsPerHour())
		})
	}
}

func FuzzConfigParse(f *testing.F) {
	f.Add([]byte("access: {mode: allowlist, admins: [1]}\ndepartments: [{key: renshe, staff: [2], keywords: [讨薪]}]\n"))
	f.Add([]byte("routing: {threshold: 0.5}"))
	f.Add([]byte("departments: [{key: x}]"))
	f.Add([]byte("telegram: {workers: 2, token: x}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := DefaultConfig()
		if err := c.parse(data); err != nil {
			return
		}
		if _, err := tickets.NewRouter(c.departments, tickets.WithGlossary(nil)); err != nil {
			t.Fatalf("accepted config with bad departments: %v", err)
		}
		c.policy.Viewer("1")
		c.policy.Allowed("1")
	})
}
