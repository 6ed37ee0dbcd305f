package evalmetrics_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/evalmetrics"
)

func TestRanks(t *testing.T) {
	for _, tc := range []struct {
		name               string
		ranks              evalmetrics.Ranks
		r1, r5, r10, mrr10 float64
	}{
		{"none", nil, 0, 0, 0, 0},
		{"all first", evalmetrics.Ranks{1, 1}, 1, 1, 1, 1},
		{"mixed", evalmetrics.Ranks{1, 2, 6, 0}, 0.25, 0.5, 0.75, (1 + 0.5 + 1.0/6) / 4},
		{"beyond k", evalmetrics.Ranks{11}, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.r1, tc.ranks.Recall(1), 1e-12)
			assert.InDelta(t, tc.r5, tc.ranks.Recall(5), 1e-12)
			assert.InDelta(t, tc.r10, tc.ranks.Recall(10), 1e-12)
			assert.InDelta(t, tc.mrr10, tc.ranks.MRR(10), 1e-12)
		})
	}
}

func TestRefusals(t *testing.T) {
	var r evalmetrics.Refusals
	assert.Zero(t, r.Accuracy(), "no questions")
	assert.Zero(t, r.FalseRate())
	for _, q := range []struct{ answerable, refused bool }{
		{true, false}, {true, true}, {true, false}, {true, false},
		{false, true}, {false, true}, {false, false},
	} {
		r.Add(q.answerable, q.refused)
	}
	assert.Equal(t, evalmetrics.Refusals{Answerable: 4, Unanswerable: 3, Refused: 2, False: 1}, r)
	assert.InDelta(t, 2.0/3, r.Accuracy(), 1e-12)
	assert.InDelta(t, 0.25, r.FalseRate(), 1e-12)
}

func TestEvidenceRank(t *testing.T) {
	texts := []string{"党员应当按月缴纳党费。", "社会组织 登记、章程核准、\n年检年报"}
	for _, tc := range []struct {
		name     string
		evidence []string
		want     int
	}{
		{"second, white space ignored", []string{"章程核准、年检 年报"}, 2},
		{"first of several", []string{"没有", "按月缴纳"}, 1},
		{"missing", []string{"换届"}, 0},
		{"no evidence", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, evalmetrics.EvidenceRank(texts, tc.evidence))
		})
	}
}

func TestGoldRank(t *testing.T) {
	assert.Equal(t, 2, evalmetrics.GoldRank([]string{"p3", "p1", "p2"}, []string{"p2", "p1"}))
	assert.Equal(t, 0, evalmetrics.GoldRank([]string{"p3"}, []string{"p1"}))
}

func TestWriteRun(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, evalmetrics.WriteRun(&b, "q1", []evalmetrics.Result{{"p1", 0.5}, {"p9", 0.25}}, "partybot"))
	assert.Equal(t, "q1 Q0 p1 1 0.500000 partybot\nq1 Q0 p9 2 0.250000 partybot\n", b.String())
}

func TestRound(t *testing.T) {
	assert.Equal(t, 0.667, evalmetrics.Round(2.0/3))
	assert.Equal(t, 0.918, evalmetrics.Round(0.91849))
	assert.Equal(t, 1.0, evalmetrics.Round(1))
}
