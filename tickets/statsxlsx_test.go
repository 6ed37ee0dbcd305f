package tickets_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"partybot/tickets"
)

func TestStatsWriteXLSX(t *testing.T) {
	st := &tickets.Stats{
		Departments: []tickets.DepartmentStats{{Name: "区人社局", Received: 3, ResponseDue: 2, RespondedOnTime: 1, ResponseRate: 0.5}},
		Total: tickets.DepartmentStats{Name: "合计", Received: 3, ResponseDue: 2, RespondedOnTime: 1, ResponseRate: 0.5,
			Reports: 2, ReportsVerified: 1, Suggestions: 1, SuggestionsAdopted: 1},
	}
	var buf bytes.Buffer
	require.NoError(t, st.WriteXLSX(&buf, "2026年3月"))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("统计")
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, "统计期间：2026年3月", rows[0][0])
	assert.Equal(t, "区人社局", rows[2][0])
	assert.Equal(t, "合计", rows[3][0])
	rate, err := f.GetCellValue("统计", "E3")
	require.NoError(t, err)
	assert.Equal(t, "50.00%", rate)
	assert.Equal(t, "民情线索", rows[1][13])
	assert.Equal(t, []string{"2", "1", "0", "1", "1"}, rows[3][13:18], "reports and suggestions")
}
