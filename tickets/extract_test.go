package tickets_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/apperr"
	"partybot/tickets"
)

func TestDetectUrgency(t *testing.T) {
	tests := []struct {
		text string
		want tickets.Urgency
	}{
		{"楼道里电动车充电，太危险了", tickets.UrgencyUrgent},
		{"请马上派人来", tickets.UrgencyUrgent},
		{"涉及人身安全", tickets.UrgencyUrgent},
		{"紧急！", tickets.UrgencyUrgent},
		{"楼下着火了", tickets.UrgencyUrgent},
		{"闻到很重的煤气味", tickets.UrgencyUrgent},
		{"小区地下室堆满杂物，存在火灾隐患", tickets.UrgencyNormal},
		{"不急，问问党费怎么交", tickets.UrgencyNormal},
		{"想了解入党的程序", tickets.UrgencyNormal},
		{"工资拖欠很久了，很着急", tickets.UrgencyUrgent},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, tickets.DetectUrgency(tc.text), "urgency")
		})
	}
}

func TestExtractLocation(t *testing.T) {
	tests := []struct{ text, want string }{
		{"我住在阳光小区3号楼2单元，楼道里电动车充电", "阳光小区3号楼2单元"},
		{"人民路与解放路交叉口的井盖丢了", "人民路"},
		{"西城街道幸福里社区的垃圾没人清运", "西城街道幸福里社区"},
		{"朝阳区望京街道的菜市场秤不准", "朝阳区望京街道"},
		{"在建国路88号的驿站", "建国路88号"},
		{"小区地下室堆满了易燃杂物", ""},
		{"我们这条街的路灯坏了", ""},
		{"老板拖欠工资", ""},
		{"包工头跑路了", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, tickets.ExtractLocation(tc.text), "location")
		})
	}
}

func TestExtractContact(t *testing.T) {
	tests := []struct{ text, want string }{
		{"电话13812345678", "13812345678"},
		{"手机：138 1234 5678，找王女士", "13812345678"},
		{"联系电话 010-62345678", "010-62345678"},
		{"打０２１－１２３４５６７８", "021-12345678"},
		{"电话：66123456", "66123456"},
		{"打了12345热线", ""},
		{"欠了三个月工资共12000元", ""},
		{"订单号 2381234567890123", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			assert.Equal(t, tc.want, tickets.ExtractContact(tc.text), "contact")
		})
	}
}

func TestSummarize(t *testing.T) {
	assert.Equal(t, "路灯坏了", tickets.Summarize("路灯坏了。已经一个月了"))
	got := tickets.Summarize(strings.Repeat("长", 200))
	assert.Equal(t, 60, utf8.RuneCountInString(got), "long summary %q", got)
	assert.True(t, strings.HasSuffix(got, "…"), "long summary %q", got)
}

func TestExtract(t *testing.T) {
	d := tickets.Extract("我住在阳光小区3号楼，楼道里好多电动车推进来充电，太危险了！电话13812345678")
	assert.Equal(t, "yingji", d.Department, "draft %+v", d)
	assert.Equal(t, "区应急管理局", d.DepartmentName, "draft %+v", d)
	assert.NotEmpty(t, d.Category, "draft %+v", d)
	assert.Equal(t, tickets.UrgencyUrgent, d.Urgency, "draft %+v", d)
	assert.Equal(t, "阳光小区3号楼", d.Location, "draft %+v", d)
	assert.Equal(t, "13812345678", d.Contact, "draft %+v", d)
	assert.False(t, d.ManualDispatch, "draft %+v", d)
	assert.NotEmpty(t, d.Matched, "draft %+v", d)
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in        string
		year, seq int
		ok        bool
	}{
		{"2026-000123", 2026, 123, true},
		{"2026-123", 2026, 123, true},
		{" #2026-000001 ", 2026, 1, true},
		{"2026000123", 2026, 123, true},
		{"２０２６－０００１２３", 2026, 123, true},
		{"2026-0", 0, 0, false},
		{"2026-+12", 0, 0, false},
		{"1999-000001", 0, 0, false},
		{"abcd-000001", 0, 0, false},
		{"2026-", 0, 0, false},
		{"", 0, 0, false},
		{"2026-1234567890", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			y, n, err := tickets.ParseNumber(tc.in)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err, "ParseNumber=%d,%d", y, n)
				assert.Equal(t, apperr.EInvalid, apperr.Code(err), "code")
			}
			assert.Equal(t, tc.year, y, "year")
			assert.Equal(t, tc.seq, n, "sequence")
		})
	}
	assert.Equal(t, "2026-000123", tickets.FormatNumber(2026, 123))
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"2026-000123", "2026123", "#2026-1", "２０２６－１", "-", "2026-+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, n, err := tickets.ParseNumber(s)
		if err != nil {
			return
		}
		y2, n2, err := tickets.ParseNumber(tickets.FormatNumber(y, n))
		require.NoError(t, err, "%q → %d,%d does not round-trip", s, y, n)
		require.Equal(t, [2]int{y, n}, [2]int{y2, n2}, "%q does not round-trip", s)
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"我住在阳光小区3号楼，电话13812345678，太危险了", "人民路", "路", "在", "\xff小区", "0101234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc := tickets.ExtractLocation(s)
		if loc != "" && !strings.Contains(s, loc) {
			require.Contains(t, s, strings.TrimSpace(loc), "location not in text")
		}
		c := tickets.ExtractContact(s)
		for _, r := range c {
			require.True(t, (r >= '0' && r <= '9') || r == '-', "contact %q", c)
		}
		tickets.DetectUrgency(s)
		sum := tickets.Summarize(s)
		require.LessOrEqual(t, utf8.RuneCountInString(sum), 60, "summary too long: %q", sum)
	})
}
