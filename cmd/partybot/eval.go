package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/bot"
	"partybot/evalmetrics"
	"partybot/retrieval"
	"partybot/tickets"
)

// runEval dispatches "eval qa|routing|retrieval".
func (m *Main) runEval(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("用法：partybot eval qa|routing|retrieval ...")
	}
	switch args[0] {
	case "qa":
		return m.runEvalQA(ctx, args[1:])
	case "retrieval":
		return m.runEvalRetrieval(ctx, args[1:])
	case "routing":
		return m.runEvalRouting(ctx, args[1:])
	default:
		return usagef("未知评测 %q：可用 qa、routing、retrieval", args[0])
	}
}

// readJSONL decodes every non-blank line of the file into a new T.
func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("无法打开 %s：%w", path, err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			return nil, fmt.Errorf("%s 第 %d 行不是有效的 JSON：%w", path, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("读取 %s 失败：%w", path, err)
	}
	return out, nil
}

// qaCase is one line of an "eval qa" file.
type qaCase struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Evidence []string `json:"evidence"`
}

// runEvalQA measures retrieval and refusal on {"question","evidence"} lines:
// recall@1/@5 and MRR@10 of the evidence among retrieved passages for the
// answerable questions, and how the refusals fall.
func (m *Main) runEvalQA(ctx context.Context, args []string) error {
	fs := newFlagSet("eval qa")
	verbose := fs.Bool("v", false, "print each miss to stderr")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return usagef("用法：partybot eval qa [-v] 文件")
	}
	cases, err := readJSONL[qaCase](fs.Arg(0))
	if err != nil {
		return err
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	a := bot.NewAnswerer(kb)
	a.K = 10
	var all qaTally
	byType := map[string]*qaTally{}
	for _, c := range cases {
		ans, err := a.Ask(ctx, c.Question)
		if apperr.Code(err) == apperr.EInternal {
			return err
		}
		typ := cmp.Or(string(ans.Type), "general")
		if byType[typ] == nil {
			byType[typ] = &qaTally{}
		}
		rank := all.add(c, ans, err)
		byType[typ].add(c, ans, err)
		if *verbose {
			m.traceQA(c, ans, err != nil || ans.Refused, rank)
		}
	}
	out := all.metrics(len(cases))
	types := map[string]any{}
	for t, tally := range byType {
		types[t] = tally.metrics(tally.refusals.Answerable + tally.refusals.Unanswerable)
	}
	out["by_type"] = types
	return writeJSONLine(m.Stdout, out)
}

// qaTally counts the results of eval qa.
type qaTally struct {
	ranks    evalmetrics.Ranks
	refusals evalmetrics.Refusals
	outcomes evalmetrics.Outcomes
}

// add counts one question and returns the rank of its evidence (0 for an
// unanswerable question or evidence not found).
func (t *qaTally) add(c qaCase, ans bot.Answer, err error) int {
	refused := err != nil || ans.Refused
	answerable := len(c.Evidence) > 0
	t.refusals.Add(answerable, refused)
	t.outcomes.Add(answerable, cmp.Or(string(ans.Outcome), "refused"))
	if !answerable {
		return 0
	}
	rank := evalmetrics.EvidenceRank(hitTexts(ans.Hits), c.Evidence)
	t.ranks = append(t.ranks, rank)
	return rank
}

// metrics are the figures of the tally.
func (t *qaTally) metrics(n int) map[string]any {
	return map[string]any{
		"questions": n, "answerable": t.refusals.Answerable, "unanswerable": t.refusals.Unanswerable,
		"recall@1": evalmetrics.Round(t.ranks.Recall(1)), "recall@5": evalmetrics.Round(t.ranks.Recall(5)),
		"mrr@10": evalmetrics.Round(t.ranks.MRR(10)), "refusal_accuracy": evalmetrics.Round(t.refusals.Accuracy()),
		"false_refusals": t.refusals.False, "false_refusal_rate": evalmetrics.Round(t.refusals.FalseRate()),
		"outcomes": t.outcomes,
	}
}

// traceQA prints to stderr how question c fared: its top coverage, type
// and outcome, and a wrong refusal or a rank below the first.
func (m *Main) traceQA(c qaCase, ans bot.Answer, refused bool, rank int) {
	answerable := len(c.Evidence) > 0
	fmt.Fprintf(m.Stderr, "%.2f %v %s %s [%s %s]\n", topCoverage(ans.Hits), answerable, c.ID, c.Question, cmp.Or(string(ans.Type), "general"), ans.Outcome)
	switch {
	case !answerable && !refused:
		fmt.Fprintf(m.Stderr, "未拒答 %s %s\n", c.ID, c.Question)
	case answerable && refused:
		fmt.Fprintf(m.Stderr, "误拒答 %s %s (coverage %.2f, %s)\n", c.ID, c.Question, topCoverage(ans.Hits), ans.Outcome)
	}
	if answerable && rank != 1 {
		fmt.Fprintf(m.Stderr, "第 %d 名 %s %s\n", rank, c.ID, c.Question)
	}
}

func hitTexts(hits []retrieval.Hit) []string {
	texts := make([]string, len(hits))
	for i, h := range hits {
		texts[i] = h.Text
	}
	return texts
}

func topCoverage(hits []retrieval.Hit) float64 {
	best := 0.0
	for _, h := range hits {
		best = max(best, h.Coverage)
	}
	return best
}

// benchQuery is one line of a retrieval benchmark's queries.jsonl.
type benchQuery struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Gold     []string `json:"gold"`
}

const evalRetrievalUsage = "用法：partybot eval retrieval 目录 [--run 文件]"

// runEvalRetrieval indexes DIR/passages.jsonl as given and measures the
// assistant's retrieval on DIR/queries.jsonl.
func (m *Main) runEvalRetrieval(ctx context.Context, args []string) error {
	dir, runPath, err := parseEvalRetrieval(args)
	if err != nil {
		return err
	}
	passages, err := readJSONL[retrieval.Passage](filepath.Join(dir, "passages.jsonl"))
	if err != nil {
		return err
	}
	queries, err := readJSONL[benchQuery](filepath.Join(dir, "queries.jsonl"))
	if err != nil {
		return err
	}
	start := time.Now()
	idx, err := retrieval.NewHybrid(ctx, passages, nil, retrieval.HashEmbedder{Dim: retrieval.DefaultHashDim}, nil)
	if err != nil {
		return err
	}
	indexMS := time.Since(start).Seconds() * 1000
	run := io.Discard
	if runPath != "" {
		f, err := os.Create(runPath)
		if err != nil {
			return fmt.Errorf("无法创建 %s：%w", runPath, err)
		}
		defer f.Close()
		run = f
	}
	start = time.Now()
	results, err := searchAll(ctx, idx, queries)
	if err != nil {
		return err
	}
	queryMS := time.Since(start).Seconds() * 1000
	ranks, err := rankAll(run, queries, results)
	if err != nil {
		return fmt.Errorf("写入 %s 失败：%w", runPath, err)
	}
	n := float64(len(queries))
	return writeJSONLine(m.Stdout, map[string]any{
		"passages": len(passages), "queries": len(queries),
		"recall@1": evalmetrics.Round(ranks.Recall(1)), "recall@5": evalmetrics.Round(ranks.Recall(5)),
		"recall@10": evalmetrics.Round(ranks.Recall(10)), "mrr@10": evalmetrics.Round(ranks.MRR(10)),
		"ms_per_query": evalmetrics.Round(queryMS / max(n, 1)), "index_ms": evalmetrics.Round(indexMS),
	})
}

// parseEvalRetrieval returns the DIR and --run of "eval retrieval"; the
// flag may come before or after DIR.
func parseEvalRetrieval(args []string) (dir, run string, err error) {
	fs := newFlagSet("eval retrieval")
	runFlag := fs.String("run", "", "write a TREC run file")
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) != 1 {
		return "", "", usagef(evalRetrievalUsage)
	}
	return pos[0], *runFlag, nil
}

// searchAll runs every query through idx for its top 10.
func searchAll(ctx context.Context, idx *retrieval.Hybrid, queries []benchQuery) ([][]retrieval.Hit, error) {
	results := make([][]retrieval.Hit, len(queries))
	for i, q := range queries {
		hits, err := idx.Search(ctx, q.Question, 10)
		if err != nil && !errors.Is(err, retrieval.ErrEmptyQuery) {
			return nil, err
		}
		results[i] = hits
	}
	return results, nil
}

// rankAll returns the rank of each query's first gold passage, writing
// the results to run as a TREC run file.
func rankAll(run io.Writer, queries []benchQuery, results [][]retrieval.Hit) (evalmetrics.Ranks, error) {
	ranks := make(evalmetrics.Ranks, len(queries))
	bw := bufio.NewWriter(run)
	for i, q := range queries {
		ids := make([]string, len(results[i]))
		rs := make([]evalmetrics.Result, len(results[i]))
		for j, h := range results[i] {
			ids[j], rs[j] = h.ID, evalmetrics.Result{ID: h.ID, Score: h.Score}
		}
		ranks[i] = evalmetrics.GoldRank(ids, q.Gold)
		if err := evalmetrics.WriteRun(bw, q.ID, rs, "partybot"); err != nil {
			return nil, err
		}
	}
	return ranks, bw.Flush()
}

// runEvalRouting implements "partybot eval routing FILE": routing accuracy on
// {"text","department"} lines, printed as one JSON line.
func (m *Main) runEvalRouting(ctx context.Context, args []string) error {
	const usage = "用法：partybot eval routing [-v] 文件（每行一个 {\"text\",\"department\"}）"
	fs := newFlagSet("eval routing")
	verbose := fs.Bool("v", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err, usage)
	}
	if len(pos) != 1 {
		return usagef("%s", usage)
	}
	samples, err := readRoutingSamples(pos[0])
	if err != nil {
		return err
	}
	r, err := m.openRouter()
	if err != nil {
		return err
	}
	for _, s := range samples {
		if _, ok := findDepartment(r.Departments(), s.Department); !ok {
			return fmt.Errorf("%s：未知部门 %q", pos[0], s.Department)
		}
	}
	rep, err := tickets.EvaluateRouting(ctx, r.Route, samples)
	if err != nil {
		return err
	}
	if *verbose {
		for _, x := range rep.Misrouted {
			fmt.Fprintf(m.Stderr, "误分 %s：应为 %s，分到 %s（%.2f）：%s\n", x.ID, x.Want, x.Got, x.Confidence, x.Text)
		}
	}
	return writeJSONLine(m.Stdout, rep)
}

// readRoutingSamples reads the samples of "eval routing"; none is an
// error.
func readRoutingSamples(path string) ([]tickets.RoutingSample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("无法打开 %s：%w", path, err)
	}
	defer f.Close()
	samples, err := tickets.ReadRoutingSamples(f)
	if err != nil {
		return nil, fmt.Errorf("%s：%s", path, apperr.Message(err))
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("%s 中没有评测样本", path)
	}
	return samples, nil
}
