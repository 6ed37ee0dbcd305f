package checklist_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/checklist"
)

// noSpace drops white space, so that a quote matches across the line and
// page breaks of the source text.
func noSpace(s string) string { return strings.Join(strings.Fields(s), "") }

// requireGrounded fails unless every item cites a source and its quote
// stands in one of the checklist's passages of that source.
func requireGrounded(tb testing.TB, c checklist.Checklist) {
	tb.Helper()
	require.NotEmpty(tb, c.Items, "no items:\n%s", c.Message())
	for i, it := range c.Items {
		require.True(tb, it.Cite >= 1 && it.Cite <= len(c.Sources), "item %d (%s) cites [%d] of %d sources", i+1, it.Task, it.Cite, len(c.Sources))
		src := c.Sources[it.Cite-1]
		found := false
		for _, p := range c.Passages {
			found = found || (p.Title == src.Title && p.Doc == src.Doc && strings.Contains(noSpace(p.Text), noSpace(it.Basis.Quote)))
		}
		require.True(tb, found && it.Basis.Title == src.Title, "item %d (%s): quote %q does not stand in a passage of %q", i+1, it.Task, it.Basis.Quote, src.Title)
		require.Contains(tb, c.Message(), fmt.Sprintf("[%d]", it.Cite))
	}
}

func TestDraftMatchesTemplates(t *testing.T) {
	d := mustDrafter(t)
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
			c := mustDraft(t, d, tc.topic, checklist.Options{})
			require.Equal(t, checklist.ModeTemplate, c.Mode, c.Message())
			require.Equal(t, tc.template, c.Template, c.Message())
			requireGrounded(t, c)
		})
	}
}

// TestDraftEveryTemplateGrounded drafts every shipped template by its
// title and checks that each item's quote was found in a knowledge-base
// passage.
func TestDraftEveryTemplateGrounded(t *testing.T) {
	d := mustDrafter(t)
	for _, tpl := range mustShipped(t) {
		t.Run(tpl.ID, func(t *testing.T) {
			c := mustDraft(t, d, tpl.Title, checklist.Options{})
			require.Equal(t, tpl.ID, c.Template, "title %q", tpl.Title)
			require.Len(t, c.Items, len(tpl.Items))
			requireGrounded(t, c)
			assert.NotContains(t, c.Message(), "依据待核实")
		})
	}
}

func TestDraftRefusesOutsideCorpus(t *testing.T) {
	d := mustDrafter(t)
	for _, topic := range []string{"党费收缴", "帮我列一个党费收缴的台账", "帮我写一首关于春天的诗"} {
		t.Run(topic, func(t *testing.T) {
			c := mustDraft(t, d, topic, checklist.Options{})
			require.True(t, c.Refused(), "want a refusal, got %s:\n%s", c.Mode, c.Message())
			assert.Empty(t, c.Items)
			msg := c.Message()
			for _, w := range []string{"知识库中没有找到", "不能凭空", "社会组织换届事前审核", "/demand"} {
				assert.Contains(t, msg, w)
			}
			assert.ErrorIs(t, c.WriteXLSX(&strings.Builder{}), checklist.ErrRefused)
		})
	}
}

func TestDraftSixSync(t *testing.T) {
	c := mustDraft(t, mustDrafter(t), "怎样落实六同步", checklist.Options{})
	requireGrounded(t, c)
	var tasks []string
	for _, it := range c.Items {
		tasks = append(tasks, it.Task)
	}
	assert.Equal(t, "登记同步|章程核准同步|年检年报同步", strings.Join(tasks, "|"), "only the corpus-backed items")
	assert.Contains(t, c.Message(), "其余三项知识库中没有", "the message says the rest are not covered")
}

func TestDraftFromPassages(t *testing.T) {
	c := mustDraft(t, mustDrafter(t), "三会一课", checklist.Options{})
	require.Equal(t, checklist.ModePassages, c.Mode, c.Message())
	require.Empty(t, c.Template)
	requireGrounded(t, c)
	for _, w := range []string{"“三会一课”工作清单", "没有“三会一课”的清单模板", "摘自知识库原文", "严格落实“三会一课”"} {
		assert.Contains(t, c.Message(), w)
	}
}

func TestDraftOptions(t *testing.T) {
	d := mustDrafter(t)
	due := time.Date(2026, 6, 30, 0, 0, 0, 0, time.Local)
	c := mustDraft(t, d, "八个一包联", checklist.Options{Org: " 乌达区民政局 ", Due: due})
	for _, it := range c.Items {
		assert.Equal(t, "乌达区民政局", it.Unit, it.Task)
		assert.Equal(t, "2026年6月30日前", it.Due, it.Task)
	}
	msg := c.Message()
	assert.True(t, strings.HasPrefix(msg, "乌达区民政局“八个一”包联工作台账"), msg)
	assert.Contains(t, msg, "完成时限：2026年6月30日前")
	// Without options, the template's default units stay and there is no deadline.
	c = mustDraft(t, d, "八个一包联", checklist.Options{})
	assert.Equal(t, "行业主管部门", c.Items[0].Unit)
	assert.Empty(t, c.Items[0].Due)
}

func TestDraftInvalidInput(t *testing.T) {
	d := mustDrafter(t)
	tests := []struct {
		name, topic string
		opt         checklist.Options
		want        string
	}{
		{"empty", "", checklist.Options{}, "清单主题是空的"},
		{"blank", " \t\n ", checklist.Options{}, "清单主题是空的"},
		{"huge", strings.Repeat("换届", 5000), checklist.Options{}, "清单主题太长（10000 字）"},
		{"broken utf-8", "换届\xff", checklist.Options{}, "UTF-8"},
		{"only a request", "帮我列一个台账", checklist.Options{}, "请写明要起草哪项工作的清单"},
		{"long org", "换届", checklist.Options{Org: strings.Repeat("局", 51)}, "责任单位名称太长"},
		{"org with a newline", "换届", checklist.Options{Org: "甲\n乙"}, "无法识别的字符"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Draft(context.Background(), tc.topic, tc.opt)
			require.Error(t, err)
			assert.Equal(t, apperr.EInvalid, apperr.Code(err), "error %v", err)
			assert.Contains(t, apperr.Message(err), tc.want)
		})
	}
}

// unchecked is a deployer template whose first quote is not in the
// knowledge base.
var unchecked = checklist.Template{
	ID: "dangfei", Title: "党费收缴台账", Aliases: []string{"党费收缴"},
	Items: []checklist.TemplateItem{
		{Task: "按月缴纳党费", Requirement: "党员按月缴纳党费。", Basis: checklist.Basis{Title: "党费收缴管理办法", Quote: "党员应当按月缴纳党费"}},
		{Task: "八个一", Requirement: "派一名帮办联系人。", Basis: checklist.Basis{Title: "内蒙古乌海市乌达区：党建引领，专项整顿赋能社会组织规范健康发展", Quote: "派一名帮办联系人"}},
	},
}

func TestDraftUncheckedBasis(t *testing.T) {
	c := mustDraft(t, mustDrafter(t, unchecked), "党费收缴", checklist.Options{})
	require.Equal(t, "dangfei", c.Template)
	require.Len(t, c.Items, 2)
	assert.Equal(t, 0, c.Items[0].Cite)
	assert.Equal(t, 1, c.Items[1].Cite)
	msg := c.Message()
	assert.Contains(t, msg, "按月缴纳党费：党员按月缴纳党费。[依据待核实]")
	assert.Contains(t, msg, "有 1 项的依据原文没有在知识库中找到")
}

func TestDraftAdapter(t *testing.T) {
	d := mustDrafter(t)
	t.Run("uncited items dropped", func(t *testing.T) {
		d.Adapter = func(_ context.Context, draft checklist.Checklist) (checklist.Checklist, error) {
			good := draft.Items[0]
			good.Requirement = "由机关党委牵头，" + good.Requirement
			invented := checklist.Item{Task: "收缴党费", Requirement: "按月收缴。", Cite: 1, Basis: checklist.Basis{Quote: "党员应当按月缴纳党费"}}
			outOfRange := checklist.Item{Task: "越界", Requirement: "x", Cite: 9, Basis: draft.Items[1].Basis}
			uncited := checklist.Item{Task: "无依据", Requirement: "x", Basis: draft.Items[1].Basis}
			draft.Items = []checklist.Item{good, invented, outOfRange, uncited}
			return draft, nil
		}
		c := mustDraft(t, d, "八个一包联", checklist.Options{})
		require.True(t, c.Adapted)
		require.Len(t, c.Items, 1)
		assert.True(t, strings.HasPrefix(c.Items[0].Requirement, "由机关党委牵头"), c.Items[0].Requirement)
		requireGrounded(t, c)
		assert.Contains(t, c.Message(), "模型提出的 3 项没有可核对的依据，已删去")
	})
	t.Run("failure falls back", func(t *testing.T) {
		d.Adapter = func(context.Context, checklist.Checklist) (checklist.Checklist, error) {
			return checklist.Checklist{}, errors.New("model endpoint down")
		}
		c := mustDraft(t, d, "八个一包联", checklist.Options{})
		assert.False(t, c.Adapted)
		assert.Len(t, c.Items, 9)
		assert.Contains(t, c.Message(), "离线起草")
	})
}

func TestMessageFitsAChat(t *testing.T) {
	big := checklist.Template{ID: "big", Title: "超长测试清单", Aliases: []string{"超长测试清单"}}
	for i := range checklist.MaxTemplateItems {
		big.Items = append(big.Items, checklist.TemplateItem{
			Task: fmt.Sprintf("事项%d", i), Requirement: strings.Repeat("派一名帮办联系人，", 10),
			Basis: checklist.Basis{Title: "内蒙古乌海市乌达区：党建引领，专项整顿赋能社会组织规范健康发展", Quote: "派一名帮办联系人"},
		})
	}
	c := mustDraft(t, mustDrafter(t, big), "超长测试清单", checklist.Options{})
	require.Len(t, c.Items, checklist.MaxTemplateItems)
	msg := c.Message()
	assert.LessOrEqual(t, utf8.RuneCountInString(msg), 4096)
	assert.Contains(t, msg, "见台账文件")
}

func FuzzDraft(f *testing.F) {
	d := mustDrafter(f)
	for _, s := range []string{"社会组织换届", "帮我列一个专项整顿的台账", "党费收缴", "清单", "帮我列一个台账", "三张", "\xff", "/checklist 六同步", "的的的", strings.Repeat("驿站", 120)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		c, err := d.Draft(context.Background(), topic, checklist.Options{})
		if err != nil {
			require.Equal(t, apperr.EInvalid, apperr.Code(err), "Draft(%q): internal error %v", topic, err)
			return
		}
		if c.Refused() {
			require.Empty(t, c.Items, "refusal with items")
			require.NotEmpty(t, c.Message(), "refusal without a message")
			return
		}
		for _, it := range c.Items {
			require.NotZero(t, it.Cite, "shipped template item without basis: %+v", it)
		}
		requireGrounded(t, c)
		require.True(t, strings.HasSuffix(c.FileName(), ".xlsx"), c.FileName())
		require.NotContains(t, c.FileName(), "/")
		require.NotContains(t, c.FileName(), `\`)
	})
}

// TestDraftConcurrent drafts from several goroutines at once, for the
// race detector.
func TestDraftConcurrent(t *testing.T) {
	d := mustDrafter(t)
	topics := []string{"社会组织换届", "三会一课", "党费收缴", "六同步"}
	errs := make(chan error, len(topics))
	for _, topic := range topics {
		go func() {
			_, err := d.Draft(context.Background(), topic, checklist.Options{})
			errs <- err
		}()
	}
	for range topics {
		require.NoError(t, <-errs)
	}
}

func BenchmarkChecklistDraft(b *testing.B) {
	d := mustDrafter(b)
	for _, topic := range []string{"帮我列一个专项整顿的台账", "三会一课", "党费收缴"} {
		b.Run(topic, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Draft(context.Background(), topic, checklist.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
