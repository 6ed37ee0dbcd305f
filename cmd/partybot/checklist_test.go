package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func TestChecklistCommand(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	xlsx, md := filepath.Join(out, "台账.xlsx"), filepath.Join(out, "台账.md")
	// Flags after the topic are flags too.
	stdout, stderr, err := run(t, dir, "", "checklist", "--xlsx", xlsx, "社会组织换届", "--md", md, "--org", "乌达区民政局", "--due", "2026-06-30")
	require.NoError(t, err, stderr)
	for _, w := range []string{"乌达区民政局社会组织换届事前审核工作台账", "1. 换届提醒", "[1]", "完成时限：2026年6月30日前", "依据："} {
		assert.Contains(t, stdout, w)
	}
	assert.Contains(t, stderr, "台账已保存："+xlsx)
	f, err := excelize.OpenFile(xlsx)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("台账")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(rows), 3, "rows: %q", rows)
	assert.Equal(t, "序号", rows[1][0])
	assert.Equal(t, "乌达区民政局", rows[2][4])
	assert.Equal(t, "2026年6月30日前", rows[2][6])
	data, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(data), "| 1 | 换届提醒 |")
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no files left behind")
}

func TestChecklistCommandFolder(t *testing.T) {
	out := t.TempDir()
	_, stderr, err := run(t, t.TempDir(), "", "checklist", "--xlsx", out, "--md", out, "帮我列一个", "八个一包联", "的台账")
	require.NoError(t, err, stderr)
	for _, name := range []string{"“八个一”包联工作台账.xlsx", "“八个一”包联工作台账.md"} {
		assert.FileExists(t, filepath.Join(out, name), "named after the topic")
	}
}

func TestChecklistCommandRefuses(t *testing.T) {
	stdout, _, err := run(t, t.TempDir(), "", "checklist", "党费收缴")
	require.NoError(t, err)
	assert.Contains(t, stdout, "知识库中没有找到关于“党费收缴”")
	out := filepath.Join(t.TempDir(), "x.xlsx")
	_, _, err = run(t, t.TempDir(), "", "checklist", "--xlsx", out, "党费收缴")
	require.ErrorContains(t, err, "未生成台账文件", "a file without basis")
	assert.NoFileExists(t, out, "file written for a refusal")
}

func TestChecklistCommandBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no topic", []string{"checklist"}, "用法：partybot checklist"},
		{"only flags", []string{"checklist", "--org", "甲"}, "用法：partybot checklist"},
		{"bad date", []string{"checklist", "--due", "2026-13-40", "换届"}, "--due 的日期“2026-13-40”无法识别"},
		{"words for a date", []string{"checklist", "--due", "下周五", "换届"}, "无法识别"},
		{"year out of range", []string{"checklist", "--due", "1926-06-30", "换届"}, "无法识别"},
		{"blank topic", []string{"checklist", "  "}, "清单主题是空的"},
		{"huge topic", []string{"checklist", strings.Repeat("换届", 1000)}, "清单主题太长"},
		{"only a request", []string{"checklist", "帮我列一个台账"}, "请写明要起草哪项工作的清单"},
		{"long org", []string{"checklist", "--org", strings.Repeat("局", 60), "换届"}, "责任单位名称太长"},
		{"unknown flag", []string{"checklist", "--pdf", "x", "换届"}, "用法"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, t.TempDir(), "", tc.args...)
			var ue usageError
			require.ErrorAs(t, err, &ue, "want a usage error (exit 2)")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

const deployerTemplate = `title: 新就业群体红色积分
aliases: [红色积分台账]
items:
  - task: 推行红色积分
    requirement: 引导快递员、网约车司机担任移动网格员。
    basis:
      title: 福建泉州泉港区：“三维聚力”提升新兴领域党建工作质效
      quote: 创新推行“红色积分”
`

func TestChecklistCommandDeployerTemplates(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "checklists")
	require.NoError(t, os.MkdirAll(tpl, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tpl, "jifen.yaml"), []byte(deployerTemplate), 0o644))
	stdout, _, err := run(t, dir, "", "checklist", "红色积分台账")
	require.NoError(t, err)
	assert.Contains(t, stdout, "新就业群体红色积分工作台账", "deployer template used")
	assert.Contains(t, stdout, "1. 推行红色积分：")

	tests := []struct{ name, data, want string }{
		{"not YAML", "title: 坏模板\nitems: [\n", "YAML 格式错误"},
		{"misspelt key", strings.Replace(deployerTemplate, "requirement:", "requirment:", 1), "第 5 行：未知的设置 items.requirment，是否想写 requirement？"},
		{"wrong kind", strings.Replace(deployerTemplate, "[红色积分台账]", "{a: 1}", 1), "第 2 行：aliases 应为列表"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(tpl, "bad.yaml")
			require.NoError(t, os.WriteFile(bad, []byte(tc.data), 0o644))
			_, _, err := run(t, dir, "", "checklist", "红色积分台账")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "清单模板 "+bad+" ")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
