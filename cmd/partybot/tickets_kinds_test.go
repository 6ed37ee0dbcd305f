package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/points"
	"partybot/tickets"
)

// showJSON is what "tickets show --json" prints of kinds, places and photos.
type showJSON struct {
	Number      string           `json:"number"`
	Kind        string           `json:"kind"`
	Status      string           `json:"status"`
	Place       *string          `json:"place"`
	Location    *json.RawMessage `json:"location"`
	Attachments []map[string]any `json:"attachments"`
	Outcome     string           `json:"outcome"`
	DueAt       string           `json:"due_at"`
	Duplicates  []string         `json:"possible_duplicates"`
}

func showTicket(t *testing.T, dir, cfg, number string) (showJSON, map[string]json.RawMessage) {
	t.Helper()
	out := mustCLI(t, dir, cfg, "tickets", "show", "--json", number)
	var got showJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &raw), out)
	return got, raw
}

// writePhoto writes a small JPEG-like file into dir.
func writePhoto(t *testing.T, dir, name string, size int) (string, []byte) {
	t.Helper()
	b := append([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), bytes.Repeat([]byte{'x'}, size)...)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p, b
}

func TestTicketsReportCLI(t *testing.T) {
	dir := t.TempDir()
	p1, b1 := writePhoto(t, t.TempDir(), "井盖.jpg", 2000)
	p2, _ := writePhoto(t, t.TempDir(), "近景.jpg", 3000)
	out, stderr, err := ticketsCLI(t, dir, "", "", "tickets", "create", "--from", "张三", "--kind", "report",
		"--lat", "39.9087", "--lng", "116.3975", "--photo", p1, "--photo", p2, "长安街人行道上的井盖坏了")
	require.NoError(t, err, stderr)
	number := strings.TrimSpace(out)
	assert.Contains(t, stderr, "区城管局")

	got, raw := showTicket(t, dir, "", number)
	assert.Equal(t, "report", got.Kind)
	assert.JSONEq(t, `{"lat":39.9087,"lng":116.3975}`, string(*got.Location))
	require.Len(t, got.Attachments, 2)
	sum := sha256.Sum256(b1)
	assert.Equal(t, map[string]any{"name": "井盖.jpg", "size": float64(len(b1)), "sha256": hex.EncodeToString(sum[:])}, got.Attachments[0])
	assert.NotContains(t, raw, "mime")
	stored := filepath.Join(dir, "attachments", hex.EncodeToString(sum[:1]), hex.EncodeToString(sum[:]))
	assert.FileExists(t, stored, "photo kept in the data directory")

	assert.Contains(t, mustCLI(t, dir, "", "tickets", "list"), "［随手拍/线索］", "list")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "list", "--kind", "suggestion"), "没有", "list --kind suggestion")
	text := mustCLI(t, dir, "", "tickets", "show", number)
	for _, want := range []string{"随手拍/线索", "纬度 39.90870，经度 116.39750", "照片 1：井盖.jpg", "照片 2：近景.jpg"} {
		assert.Contains(t, text, want, "show")
	}

	// a second report 18 m away is flagged
	out, stderr, err = ticketsCLI(t, dir, "", "", "tickets", "create", "--from", "李四", "--kind", "report",
		"--lat", "39.90886", "--lng", "116.3975", "长安街人行道井盖坏了")
	require.NoError(t, err, stderr)
	second := strings.TrimSpace(out)
	assert.Contains(t, stderr, "疑似与 "+number+" 重复")
	dup, _ := showTicket(t, dir, "", second)
	assert.Equal(t, []string{number}, dup.Duplicates)

	mustCLI(t, dir, "", "tickets", "accept", number)
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "verify", number, "--note", "已到现场"), "核实有效")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "resolve", number, "--reply", "井盖已更换"), "已办结")
	got, _ = showTicket(t, dir, "", number)
	assert.Equal(t, "verified", got.Outcome)
	assert.Equal(t, "resolved", got.Status)

	mustCLI(t, dir, "", "tickets", "accept", second)
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "reject", second, "--reply", "与前一件为同一井盖"), "核实无效")

	assert.Contains(t, mustCLI(t, dir, "", "tickets", "export", "--kind", "suggestion", "--csv", filepath.Join(dir, "建议.csv")), "已导出 0 件")
	csvPath := filepath.Join(dir, "台账.csv")
	mustCLI(t, dir, "", "tickets", "export", "--csv", csvPath)
	b, err := os.ReadFile(csvPath)
	require.NoError(t, err)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	require.NoError(t, err)
	head := strings.Join(recs[0], ",")
	for _, h := range []string{"类型", "坐标", "照片"} {
		assert.Contains(t, head, h, "export header")
	}
	assert.Contains(t, strings.Join(recs[1], ","), "井盖.jpg\n近景.jpg", "export row")
	assert.Contains(t, strings.Join(recs[1], ","), "39.908700,116.397500", "export row")

	out = mustCLI(t, dir, "", "tickets", "stats", "--json")
	var st tickets.Stats
	require.NoError(t, json.Unmarshal([]byte(out), &st), out)
	assert.Equal(t, 2, st.Total.Reports, "stats %+v", st.Total)
	assert.Equal(t, 1, st.Total.ReportsVerified, "stats %+v", st.Total)
	assert.Equal(t, 1, st.Total.ReportsFixed, "stats %+v", st.Total)
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "stats"), "线索", "stats table")
}

func TestTicketsSuggestionCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "partybot.yaml")
	os.WriteFile(cfg, []byte(`
access:
  mode: allowlist
  admins: [1001]
  allowed_users: ["2002"]
departments:
  - key: shegong
    staff: [3003]
`), 0o644)
	out, stderr, err := ticketsCLI(t, dir, cfg, "", "tickets", "create", "--from", "王五", "--kind", "suggestion",
		"--department", "shegong", "建议在商圈增设暖“新”驿站")
	require.NoError(t, err, stderr)
	number := strings.TrimSpace(out)
	assert.Contains(t, stderr, "不设办结期限")
	got, raw := showTicket(t, dir, cfg, number)
	assert.Equal(t, "suggestion", got.Kind)
	assert.Empty(t, got.DueAt, "a suggestion's due date")
	assert.Equal(t, "null", string(raw["location"]))
	assert.Equal(t, "[]", string(raw["attachments"]))

	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "accept", number, "--as", "2002")
	assert.ErrorContains(t, err, "无权")
	mustCLI(t, dir, cfg, "tickets", "accept", number, "--as", "3003")
	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "adopt", number, "--reply", "采纳", "--as", "2002")
	assert.ErrorContains(t, err, "无权")
	_, _, err = ticketsCLI(t, dir, cfg, "", "tickets", "verify", number, "--as", "3003")
	assert.ErrorContains(t, err, "只有随手拍/线索需要核实")
	assert.Contains(t, mustCLI(t, dir, cfg, "tickets", "adopt", number, "--reply", "先在两个商圈试点", "--partial", "--as", "3003"), "部分采纳")
	got, _ = showTicket(t, dir, cfg, number)
	assert.Equal(t, "partly_adopted", got.Outcome)
	assert.Equal(t, "resolved", got.Status)
}

func TestTicketsKindsUsageCLI(t *testing.T) {
	dir := t.TempDir()
	demand := strings.TrimSpace(mustCLI(t, dir, "", "tickets", "create", "--from", "王五", "老板拖欠工资"))
	photo, _ := writePhoto(t, t.TempDir(), "a.jpg", 10)
	big, _ := writePhoto(t, t.TempDir(), "big.jpg", tickets.MaxPhotoBytes)
	six := []string{"tickets", "create", "--from", "x", "--kind", "report"}
	for range 6 {
		six = append(six, "--photo", photo)
	}
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"unknown kind", []string{"tickets", "create", "--from", "x", "--kind", "complaint", "井盖丢了"}, true, "未知的工单类型"},
		{"latitude alone", []string{"tickets", "create", "--from", "x", "--lat", "39.9", "井盖丢了"}, true, "--lng"},
		{"not a number", []string{"tickets", "create", "--from", "x", "--lat", "北纬", "--lng", "116", "井盖丢了"}, true, "数字"},
		{"null island", []string{"tickets", "create", "--from", "x", "--lat", "0", "--lng", "0", "井盖丢了"}, false, "0, 0"},
		{"outside China", []string{"tickets", "create", "--from", "x", "--lat", "48.85", "--lng", "2.35", "井盖丢了"}, false, "不在中国境内"},
		{"six photos", append(six, "井盖丢了"), true, "最多 5 张"},
		{"missing photo", []string{"tickets", "create", "--from", "x", "--photo", filepath.Join(dir, "nope.jpg"), "井盖丢了"}, false, "无法读取照片"},
		{"photo too large", []string{"tickets", "create", "--from", "x", "--photo", big, "井盖丢了"}, false, "10 MB"},
		{"verify a demand", []string{"tickets", "verify", demand}, false, "不能核实"},
		{"adopt without reply", []string{"tickets", "adopt", demand}, false, "答复"},
		{"reject a demand", []string{"tickets", "reject", demand, "--reply", "不予采纳"}, false, "诉求请直接办结"},
		{"verify without number", []string{"tickets", "verify"}, true, "用法"},
		{"adopt missing", []string{"tickets", "adopt", "2026-999999", "--reply", "好"}, false, "不存在"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ticketsCLI(t, dir, "", "", tc.args...)
			require.Error(t, err)
			assert.Equal(t, tc.usage, isUsage(err), "err=%q is a usage error", err)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	out := mustCLI(t, dir, "", "tickets", "list", "--json")
	assert.Equal(t, 1, strings.Count(out, "\n"), "tickets after bad input: %q", out)
}

// TestStatsPlatformFigures: an admin's statistics carry the points
// awarded and the notices pushed in the period.
func TestStatsPlatformFigures(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ledger, err := points.Open(ctx, filepath.Join(dir, "points.db"))
	require.NoError(t, err)
	_, err = ledger.Award(ctx, points.Award{UserID: "1001", Reason: points.Manual, Points: 5, By: "9001", Note: "志愿服务"})
	require.NoError(t, err)
	require.NoError(t, ledger.Close())

	out := mustCLI(t, dir, "", "tickets", "stats", "--json")
	var got struct {
		Platform struct {
			PointsAwarded int `json:"points_awarded"`
			NoticesPushed int `json:"notices_pushed"`
		} `json:"platform"`
		Total map[string]any `json:"total"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, 5, got.Platform.PointsAwarded)
	assert.NotNil(t, got.Total, "the tickets' figures are still there")
	assert.Contains(t, mustCLI(t, dir, "", "tickets", "stats"), "红色积分发放 5 分")
}
