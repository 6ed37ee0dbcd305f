package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestChecklistCommand(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	xlsx, md := filepath.Join(out, "台账.xlsx"), filepath.Join(out, "台账.md")
	// Flags after the topic are flags too.
	stdout, stderr, err := run(t, dir, "", "checklist", "--xlsx", xlsx, "社会组织换届", "--md", md, "--org", "乌达区民政局", "--due", "2026-06-30")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, w := range []string{"乌达区民政局社会组织换届事前审核工作台账", "1. 换届提醒", "[1]", "完成时限：2026年6月30日前", "依据："} {
		if !strings.Contains(stdout, w) {
			t.Fatalf("message lacks %q:\n%s", w, stdout)
		}
	}
	if !strings.Contains(stderr, "台账已保存："+xlsx) {
		t.Fatalf("stderr: %s", stderr)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("台账")
	if len(rows) < 3 || rows[1][0] != "序号" || rows[2][4] != "乌达区民政局" || rows[2][6] != "2026年6月30日前" {
		t.Fatalf("rows: %q", rows)
	}
	data, err := os.ReadFile(md)
	if err != nil || !strings.Contains(string(data), "| 1 | 换届提醒 |") {
		t.Fatalf("markdown %v:\n%s", err, data)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 2 {
		t.Fatalf("left files behind: %v", entries)
	}
}

func TestChecklistCommandFolder(t *testing.T) {
	out := t.TempDir()
	_, stderr, err := run(t, t.TempDir(), "", "checklist", "--xlsx", out, "--md", out, "帮我列一个", "八个一包联", "的台账")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, name := range []string{"“八个一”包联工作台账.xlsx", "“八个一”包联工作台账.md"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Fatalf("not named after the topic: %v", err)
		}
	}
}

func TestChecklistCommandRefuses(t *testing.T) {
	stdout, _, err := run(t, t.TempDir(), "", "checklist", "党费收缴")
	if err != nil || !strings.Contains(stdout, "知识库中没有找到关于“党费收缴”") {
		t.Fatalf("%v\n%s", err, stdout)
	}
	out := filepath.Join(t.TempDir(), "x.xlsx")
	_, _, err = run(t, t.TempDir(), "", "checklist", "--xlsx", out, "党费收缴")
	if err == nil || !strings.Contains(err.Error(), "未生成台账文件") {
		t.Fatalf("want an error for a file without basis, got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("file written for a refusal: %v", err)
	}
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
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want a usage error (exit 2)", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("message %q lacks %q", err, tc.want)
			}
		})
	}
}

func TestChecklistCommandDeployerTemplates(t *testing.T) {
	dir := t.TempDir()
	tpl := filepath.Join(dir, "checklists")
	os.MkdirAll(tpl, 0o755)
	os.WriteFile(filepath.Join(tpl, "jifen.yaml"), []byte(`title: 新就业群体红色积分
aliases: [红色积分台账]
items:
  - task: 推行红色积分
    requirement: 引导快递员、网约车司机担任移动网格员。
    basis:
      title: 福建泉州泉港区：“三维聚力”提升新兴领域党建工作质效
      quote: 创新推行“红色积分”
`), 0o644)
	stdout, _, err := run(t, dir, "", "checklist", "红色积分台账")
	if err != nil || !strings.Contains(stdout, "新就业群体红色积分工作台账") || !strings.Contains(stdout, "1. 推行红色积分：") {
		t.Fatalf("deployer template not used: %v\n%s", err, stdout)
	}
	bad := filepath.Join(tpl, "bad.yaml")
	os.WriteFile(bad, []byte("title: 坏模板\nitems: [\n"), 0o644)
	_, _, err = run(t, dir, "", "checklist", "红色积分台账")
	if err == nil || !strings.Contains(err.Error(), "清单模板 "+bad) || !strings.Contains(err.Error(), "不是有效的 YAML") {
		t.Fatalf("malformed template: %v", err)
	}
}
