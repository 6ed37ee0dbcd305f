package bot_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"partybot/apperr"
	"partybot/bot"
	"partybot/prompts"
)

// MustChecklistDrafter returns a drafter over the shipped corpus and
// templates, plus extra templates.
func MustChecklistDrafter(tb testing.TB, extra ...prompts.ChecklistTemplate) *bot.ChecklistDrafter {
	tb.Helper()
	ts, err := prompts.ChecklistTemplates()
	if err != nil {
		tb.Fatal(err)
	}
	d, err := bot.NewChecklistDrafter(context.Background(), MustOpenKnowledgeBase(tb), append(ts, extra...))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustDraft(tb testing.TB, d *bot.ChecklistDrafter, topic string, opt bot.ChecklistOptions) bot.Checklist {
	tb.Helper()
	c, err := d.Draft(context.Background(), topic, opt)
	if err != nil {
		tb.Fatalf("Draft(%q): %v", topic, err)
	}
	return c
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// checkGrounded fails unless every item cites a source and its quote stands
// in one of the checklist's passages of that source.
func checkGrounded(tb testing.TB, c bot.Checklist) {
	tb.Helper()
	if len(c.Items) == 0 {
		tb.Fatalf("no items:\n%s", c.Message())
	}
	for i, it := range c.Items {
		if it.Cite < 1 || it.Cite > len(c.Sources) {
			tb.Fatalf("item %d (%s) cites [%d] of %d sources", i+1, it.Task, it.Cite, len(c.Sources))
		}
		src := c.Sources[it.Cite-1]
		found := false
		for _, p := range c.Passages {
			found = found || (p.Title == src.Title && p.Doc == src.Doc && strings.Contains(noSpace(p.Text), noSpace(it.Basis.Quote)))
		}
		if !found || it.Basis.Title != src.Title {
			tb.Fatalf("item %d (%s): quote %q does not stand in a passage of %q", i+1, it.Task, it.Basis.Quote, src.Title)
		}
		if !strings.Contains(c.Message(), fmt.Sprintf("[%d]", it.Cite)) {
			tb.Fatalf("message lacks marker [%d]", it.Cite)
		}
	}
}

func TestChecklistMatchesTemplates(t *testing.T) {
	d := MustChecklistDrafter(t)
	tests := []struct{ topic, template string }{
		// Issue 6.
		{"社会组织换届", "huanjie-shenhe"},
		{"帮我列一个专项整顿的台账", "zhuanxiang-zhengdun"},
		{"八个一包联", "bayige-baolian"},
		{"驿站服务清单", "nuanxin-yizhan"},
		// Other ways to ask, written before the threshold was set.
		{"换届前置审核怎么做", "huanjie-shenhe"},
		{"商会换届", "huanjie-shenhe"},
		{"快递小哥歇脚的地方", "nuanxin-yizhan"},
		{"三定一包", "sanding-yibao"},
		{"问题任务责任三张清单", "sanzhang-wenti-renwu-zeren"},
		{"请起草需求资源服务三张清单", "sanzhang-xuqiu-ziyuan-fuwu"},
		{"四个清摸排", "sigeqing-mopai"},
		{"建档立卡", "sigeqing-mopai"},
		{"两新组织建党组织", "xinxing-zujian"},
		{"党建指导员选派", "xinxing-zujian"},
		{"党建入章", "xiehui-shanghui-dangjian"},
		{"双向进入交叉任职", "xiehui-shanghui-dangjian"},
		{"六同步", "liutongbu"},
		{"乱象整治", "zhuanxiang-zhengdun"},
		{"闭环管理台账", "zhuanxiang-zhengdun"},
	}
	for _, tc := range tests {
		t.Run(tc.topic, func(t *testing.T) {
			c := mustDraft(t, d, tc.topic, bot.ChecklistOptions{})
			if c.Mode != bot.ChecklistFromTemplate || c.Template != tc.template {
				t.Fatalf("mode %s template %q, want template %q:\n%s", c.Mode, c.Template, tc.template, c.Message())
			}
			checkGrounded(t, c)
		})
	}
}

// TestChecklistEveryTemplateGrounded drafts every shipped template by its
// title and checks that each item's quote was found in a knowledge-base
// passage.
func TestChecklistEveryTemplateGrounded(t *testing.T) {
	d := MustChecklistDrafter(t)
	ts, _ := prompts.ChecklistTemplates()
	for _, tpl := range ts {
		t.Run(tpl.ID, func(t *testing.T) {
			c := mustDraft(t, d, tpl.Title, bot.ChecklistOptions{})
			if c.Template != tpl.ID || len(c.Items) != len(tpl.Items) {
				t.Fatalf("title %q drafted %q with %d items, want %q with %d", tpl.Title, c.Template, len(c.Items), tpl.ID, len(tpl.Items))
			}
			checkGrounded(t, c)
			if strings.Contains(c.Message(), "依据待核实") {
				t.Fatalf("unchecked basis:\n%s", c.Message())
			}
		})
	}
}

func TestChecklistRefusesOutsideCorpus(t *testing.T) {
	d := MustChecklistDrafter(t)
	for _, topic := range []string{"党费收缴", "帮我列一个党费收缴的台账", "帮我写一首关于春天的诗"} {
		t.Run(topic, func(t *testing.T) {
			c := mustDraft(t, d, topic, bot.ChecklistOptions{})
			if !c.Refused() || len(c.Items) != 0 {
				t.Fatalf("want a refusal, got %s with %d items:\n%s", c.Mode, len(c.Items), c.Message())
			}
			msg := c.Message()
			for _, w := range []string{"知识库中没有找到", "不能凭空", "社会组织换届事前审核", "/demand"} {
				if !strings.Contains(msg, w) {
					t.Fatalf("refusal lacks %q:\n%s", w, msg)
				}
			}
			if err := c.WriteXLSX(&bytes.Buffer{}); !errors.Is(err, bot.ErrChecklistRefused) {
				t.Fatalf("WriteXLSX of a refusal: %v", err)
			}
		})
	}
}

func TestChecklistSixSync(t *testing.T) {
	c := mustDraft(t, MustChecklistDrafter(t), "怎样落实六同步", bot.ChecklistOptions{})
	checkGrounded(t, c)
	var tasks []string
	for _, it := range c.Items {
		tasks = append(tasks, it.Task)
	}
	if got, want := strings.Join(tasks, "|"), "登记同步|章程核准同步|年检年报同步"; got != want {
		t.Fatalf("items %s, want only the corpus-backed %s", got, want)
	}
	if msg := c.Message(); !strings.Contains(msg, "其余三项知识库中没有") {
		t.Fatalf("message does not say the rest are not covered:\n%s", msg)
	}
}

func TestChecklistFromPassages(t *testing.T) {
	c := mustDraft(t, MustChecklistDrafter(t), "三会一课", bot.ChecklistOptions{})
	if c.Mode != bot.ChecklistFromPassages || c.Template != "" {
		t.Fatalf("mode %s template %q, want passages:\n%s", c.Mode, c.Template, c.Message())
	}
	checkGrounded(t, c)
	msg := c.Message()
	for _, w := range []string{"“三会一课”工作清单", "没有“三会一课”的清单模板", "摘自知识库原文", "严格落实“三会一课”"} {
		if !strings.Contains(msg, w) {
			t.Fatalf("message lacks %q:\n%s", w, msg)
		}
	}
}

func TestChecklistOptions(t *testing.T) {
	d := MustChecklistDrafter(t)
	due := time.Date(2026, 6, 30, 0, 0, 0, 0, time.Local)
	c := mustDraft(t, d, "八个一包联", bot.ChecklistOptions{Org: " 乌达区民政局 ", Due: due})
	for _, it := range c.Items {
		if it.Unit != "乌达区民政局" || it.Due != "2026年6月30日前" {
			t.Fatalf("item %s: unit %q due %q", it.Task, it.Unit, it.Due)
		}
	}
	if msg := c.Message(); !strings.HasPrefix(msg, "乌达区民政局“八个一”包联工作台账") || !strings.Contains(msg, "完成时限：2026年6月30日前") {
		t.Fatalf("message:\n%s", msg)
	}
	// Without options, the template's default units stay and there is no deadline.
	c = mustDraft(t, d, "八个一包联", bot.ChecklistOptions{})
	if it := c.Items[0]; it.Unit != "行业主管部门" || it.Due != "" {
		t.Fatalf("defaults: unit %q due %q", it.Unit, it.Due)
	}
}

func TestChecklistInvalidInput(t *testing.T) {
	d := MustChecklistDrafter(t)
	tests := []struct {
		name, topic string
		opt         bot.ChecklistOptions
		want        string
	}{
		{"empty", "", bot.ChecklistOptions{}, "清单主题是空的"},
		{"blank", " \t\n ", bot.ChecklistOptions{}, "清单主题是空的"},
		{"huge", strings.Repeat("换届", 5000), bot.ChecklistOptions{}, "清单主题太长（10000 字）"},
		{"broken utf-8", "换届\xff", bot.ChecklistOptions{}, "UTF-8"},
		{"only a request", "帮我列一个台账", bot.ChecklistOptions{}, "请写明要起草哪项工作的清单"},
		{"long org", "换届", bot.ChecklistOptions{Org: strings.Repeat("局", 51)}, "责任单位名称太长"},
		{"org with a newline", "换届", bot.ChecklistOptions{Org: "甲\n乙"}, "无法识别的字符"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Draft(context.Background(), tc.topic, tc.opt)
			if apperr.Code(err) != apperr.EInvalid || !strings.Contains(apperr.Message(err), tc.want) {
				t.Fatalf("error %v (code %q), want EINVALID saying %q", err, apperr.Code(err), tc.want)
			}
		})
	}
}

// unchecked is a deployer template whose first quote is not in the
// knowledge base.
var unchecked = prompts.ChecklistTemplate{
	ID: "dangfei", Title: "党费收缴台账", Aliases: []string{"党费收缴"},
	Items: []prompts.ChecklistItem{
		{Task: "按月缴纳党费", Requirement: "党员按月缴纳党费。", Basis: prompts.Basis{Title: "党费收缴管理办法", Quote: "党员应当按月缴纳党费"}},
		{Task: "八个一", Requirement: "派一名帮办联系人。", Basis: prompts.Basis{Title: "内蒙古乌海市乌达区：党建引领，专项整顿赋能社会组织规范健康发展", Quote: "派一名帮办联系人"}},
	},
}

func TestChecklistUncheckedBasis(t *testing.T) {
	c := mustDraft(t, MustChecklistDrafter(t, unchecked), "党费收缴", bot.ChecklistOptions{})
	if c.Template != "dangfei" || len(c.Items) != 2 || c.Items[0].Cite != 0 || c.Items[1].Cite != 1 {
		t.Fatalf("template %q items %+v", c.Template, c.Items)
	}
	msg := c.Message()
	if !strings.Contains(msg, "按月缴纳党费：党员按月缴纳党费。[依据待核实]") || !strings.Contains(msg, "有 1 项的依据原文没有在知识库中找到") {
		t.Fatalf("unchecked item not marked:\n%s", msg)
	}
}

func TestChecklistAdapter(t *testing.T) {
	d := MustChecklistDrafter(t)
	ctx := context.Background()
	t.Run("uncited items dropped", func(t *testing.T) {
		d.Adapter = func(_ context.Context, draft bot.Checklist) (bot.Checklist, error) {
			good := draft.Items[0]
			good.Requirement = "由机关党委牵头，" + good.Requirement
			invented := bot.ChecklistItem{Task: "收缴党费", Requirement: "按月收缴。", Cite: 1, Basis: prompts.Basis{Quote: "党员应当按月缴纳党费"}}
			outOfRange := bot.ChecklistItem{Task: "越界", Requirement: "x", Cite: 9, Basis: draft.Items[1].Basis}
			uncited := bot.ChecklistItem{Task: "无依据", Requirement: "x", Basis: draft.Items[1].Basis}
			draft.Items = []bot.ChecklistItem{good, invented, outOfRange, uncited}
			return draft, nil
		}
		c := mustDraft(t, d, "八个一包联", bot.ChecklistOptions{})
		if !c.Adapted || len(c.Items) != 1 || !strings.HasPrefix(c.Items[0].Requirement, "由机关党委牵头") {
			t.Fatalf("adapted=%v items %+v", c.Adapted, c.Items)
		}
		checkGrounded(t, c)
		if !strings.Contains(c.Message(), "模型提出的 3 项没有可核对的依据，已删去") {
			t.Fatalf("drop not said:\n%s", c.Message())
		}
	})
	t.Run("failure falls back", func(t *testing.T) {
		d.Adapter = func(context.Context, bot.Checklist) (bot.Checklist, error) {
			return bot.Checklist{}, errors.New("model endpoint down")
		}
		c, err := d.Draft(ctx, "八个一包联", bot.ChecklistOptions{})
		if err != nil || c.Adapted || len(c.Items) != 9 || !strings.Contains(c.Message(), "离线起草") {
			t.Fatalf("err %v adapted %v items %d:\n%s", err, c.Adapted, len(c.Items), c.Message())
		}
	})
}

func TestChecklistMessageFitsAChat(t *testing.T) {
	big := prompts.ChecklistTemplate{ID: "big", Title: "超长测试清单", Aliases: []string{"超长测试清单"}}
	for i := range prompts.MaxTemplateItems {
		big.Items = append(big.Items, prompts.ChecklistItem{
			Task: fmt.Sprintf("事项%d", i), Requirement: strings.Repeat("派一名帮办联系人，", 10),
			Basis: prompts.Basis{Title: "内蒙古乌海市乌达区：党建引领，专项整顿赋能社会组织规范健康发展", Quote: "派一名帮办联系人"},
		})
	}
	c := mustDraft(t, MustChecklistDrafter(t, big), "超长测试清单", bot.ChecklistOptions{})
	msg := c.Message()
	if n := utf8.RuneCountInString(msg); n > 4096 || !strings.Contains(msg, "见台账文件") {
		t.Fatalf("message of %d runes, want ≤ 4096 with a pointer to the file", n)
	}
	if len(c.Items) != prompts.MaxTemplateItems {
		t.Fatalf("%d items", len(c.Items))
	}
}

func TestChecklistXLSX(t *testing.T) {
	c := mustDraft(t, MustChecklistDrafter(t), "社会组织换届", bot.ChecklistOptions{Org: "乌达区民政局", Due: time.Date(2026, 6, 30, 0, 0, 0, 0, time.Local)})
	var buf bytes.Buffer
	if err := c.WriteXLSX(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "台账"
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0][0]; got != "乌达区民政局社会组织换届事前审核工作台账" {
		t.Fatalf("title row %q", got)
	}
	header := []string{"序号", "工作事项", "具体要求", "依据", "责任单位", "责任人", "完成时限", "完成情况", "佐证材料"}
	if got := strings.Join(rows[1], ","); got != strings.Join(header, ",") {
		t.Fatalf("header %s", got)
	}
	for i, it := range c.Items {
		row := rows[i+2]
		if row[0] != fmt.Sprint(i+1) || row[1] != it.Task || row[2] != it.Requirement || row[4] != "乌达区民政局" || row[6] != "2026年6月30日前" {
			t.Fatalf("row %d: %q", i+3, row)
		}
		if !strings.Contains(row[3], it.Basis.Quote) || !strings.Contains(row[3], it.Basis.Title) {
			t.Fatalf("row %d basis %q lacks title or quote", i+3, row[3])
		}
	}
	// One row per item: the row after the items is empty, then the notes.
	if n := len(c.Items) + 2; len(rows) <= n || len(rows[n]) != 0 {
		t.Fatalf("more item rows than items: %q", rows[n])
	}
	if tail := fmt.Sprint(rows[len(c.Items)+3:]); !strings.Contains(tail, "依据出处") || !strings.Contains(tail, c.Sources[0].Title) {
		t.Fatalf("sources not listed after the items: %s", tail)
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Fatalf("header not frozen: %+v %v", panes, err)
	}
	layout, err := f.GetPageLayout(sheet)
	if err != nil || *layout.Size != 9 || *layout.Orientation != "landscape" || *layout.FitToWidth != 1 {
		t.Fatalf("page layout %+v %v", layout, err)
	}
	props, err := f.GetSheetProps(sheet)
	if err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Fatalf("not fitted to the page: %v", err)
	}
	titles := false
	for _, dn := range f.GetDefinedName() {
		titles = titles || (dn.Name == "_xlnm.Print_Titles" && dn.RefersTo == "'台账'!$1:$2")
	}
	if !titles {
		t.Fatalf("title and header rows not repeated: %+v", f.GetDefinedName())
	}
	if w, err := f.GetColWidth(sheet, "D"); err != nil || w < 30 {
		t.Fatalf("basis column width %v %v", w, err)
	}
}

func TestChecklistMarkdown(t *testing.T) {
	c := mustDraft(t, MustChecklistDrafter(t), "六同步", bot.ChecklistOptions{Org: "甲|乙"})
	md := c.Markdown()
	lines := strings.Split(md, "\n")
	if lines[0] != "# 甲|乙“六同步”机制工作台账" {
		t.Fatalf("title %q", lines[0])
	}
	rows := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "| ") {
			rows++
		}
	}
	if rows != len(c.Items)+2 {
		t.Fatalf("%d table lines for %d items:\n%s", rows, len(c.Items), md)
	}
	for _, w := range []string{"| 序号 | 工作事项 | 具体要求 | 依据 |", "| 1 | 登记同步 |", "甲\\|乙", "年检年报等“六同步”机制", "\\[1\\]", "> 说明：知识库只写明了", "## 依据出处"} {
		if !strings.Contains(md, w) {
			t.Fatalf("markdown lacks %q:\n%s", w, md)
		}
	}
}

func TestChecklistFileName(t *testing.T) {
	d := MustChecklistDrafter(t)
	tests := []struct{ topic, want string }{
		{"帮我列一个专项整顿的台账", "社会组织专项整顿闭环管理工作台账.xlsx"},
		{"驿站服务清单", "暖“新”驿站服务工作台账.xlsx"},
		{"三会一课", "“三会一课”工作清单.xlsx"},
		{"飞地党支部/../x", "“飞地党支部_.._x”工作清单.xlsx"},
	}
	for _, tc := range tests {
		t.Run(tc.topic, func(t *testing.T) {
			if got := mustDraft(t, d, tc.topic, bot.ChecklistOptions{}).FileName(); got != tc.want {
				t.Fatalf("FileName() = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzChecklistTopic(f *testing.F) {
	d := MustChecklistDrafter(f)
	for _, s := range []string{"社会组织换届", "帮我列一个专项整顿的台账", "党费收缴", "清单", "帮我列一个台账", "三张", "\xff", "/checklist 六同步", "的的的", strings.Repeat("驿站", 120)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		c, err := d.Draft(context.Background(), topic, bot.ChecklistOptions{})
		if err != nil {
			if apperr.Code(err) != apperr.EInvalid {
				t.Fatalf("Draft(%q): internal error %v", topic, err)
			}
			return
		}
		if c.Refused() {
			if len(c.Items) != 0 || c.Message() == "" {
				t.Fatalf("refusal with items or without a message: %+v", c)
			}
			return
		}
		for _, it := range c.Items {
			if it.Cite == 0 {
				t.Fatalf("shipped template item without basis: %+v", it)
			}
		}
		checkGrounded(t, c)
		if !strings.HasSuffix(c.FileName(), ".xlsx") || strings.ContainsAny(c.FileName(), `/\`) {
			t.Fatalf("file name %q", c.FileName())
		}
	})
}

func BenchmarkChecklistDraft(b *testing.B) {
	d := MustChecklistDrafter(b)
	for _, topic := range []string{"帮我列一个专项整顿的台账", "三会一课", "党费收缴"} {
		b.Run(topic, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Draft(context.Background(), topic, bot.ChecklistOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkChecklistXLSX(b *testing.B) {
	c := mustDraft(b, MustChecklistDrafter(b), "新兴领域党组织组建", bot.ChecklistOptions{})
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := c.WriteXLSX(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// TestChecklistConcurrent drafts from several goroutines at once, for the
// race detector.
func TestChecklistConcurrent(t *testing.T) {
	d := MustChecklistDrafter(t)
	topics := []string{"社会组织换届", "三会一课", "党费收缴", "六同步"}
	errs := make(chan error, len(topics))
	for _, topic := range topics {
		go func() {
			_, err := d.Draft(context.Background(), topic, bot.ChecklistOptions{})
			errs <- err
		}()
	}
	for range topics {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
