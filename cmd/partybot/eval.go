package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"partybot/apperr"
	"partybot/bot"
	"partybot/retrieval"
)

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
	fs := flag.NewFlagSet("eval qa", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
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
	var answerable, unanswerable, r1, r5, mrr, refusedOK, falseRefusals float64
	for _, c := range cases {
		ans, err := a.Ask(ctx, c.Question)
		if apperr.Code(err) == apperr.EInternal {
			return err
		}
		refused := err != nil || ans.Refused
		if *verbose {
			fmt.Fprintf(m.Stderr, "%.2f %v %s %s\n", topCoverage(ans.Hits), len(c.Evidence) > 0, c.ID, c.Question)
		}
		if len(c.Evidence) == 0 {
			unanswerable++
			if refused {
				refusedOK++
			} else if *verbose {
				fmt.Fprintf(m.Stderr, "未拒答 %s %s\n", c.ID, c.Question)
			}
			continue
		}
		answerable++
		if refused {
			falseRefusals++
			if *verbose {
				fmt.Fprintf(m.Stderr, "误拒答 %s %s (coverage %.2f)\n", c.ID, c.Question, topCoverage(ans.Hits))
			}
		}
		rank := evidenceRank(ans.Hits, c.Evidence)
		if rank == 1 {
			r1++
		}
		if rank >= 1 && rank <= 5 {
			r5++
		}
		if rank >= 1 {
			mrr += 1 / float64(rank)
		}
		if rank != 1 && *verbose {
			fmt.Fprintf(m.Stderr, "第 %d 名 %s %s\n", rank, c.ID, c.Question)
		}
	}
	out := map[string]any{
		"questions": len(cases), "answerable": answerable, "unanswerable": unanswerable,
		"recall@1": ratio(r1, answerable), "recall@5": ratio(r5, answerable), "mrr@10": ratio(mrr, answerable),
		"refusal_accuracy": ratio(refusedOK, unanswerable), "false_refusals": falseRefusals,
		"false_refusal_rate": ratio(falseRefusals, answerable),
	}
	return writeJSONLine(m.Stdout, out)
}

func topCoverage(hits []retrieval.Hit) float64 {
	best := 0.0
	for _, h := range hits {
		best = max(best, h.Coverage)
	}
	return best
}

// evidenceRank is the 1-based rank of the first hit that contains one of the
// evidence strings (white space ignored), or 0.
func evidenceRank(hits []retrieval.Hit, evidence []string) int {
	for i, h := range hits {
		text := stripSpace(h.Text)
		for _, e := range evidence {
			if strings.Contains(text, stripSpace(e)) {
				return i + 1
			}
		}
	}
	return 0
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round3(a / b)
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// benchQuery is one line of a retrieval benchmark's queries.jsonl.
type benchQuery struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Gold     []string `json:"gold"`
}

// runEvalRetrieval indexes DIR/passages.jsonl as given and measures the
// assistant's retrieval on DIR/queries.jsonl.
func (m *Main) runEvalRetrieval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval retrieval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	run := fs.String("run", "", "write a TREC run file")
	// Accept the flag before or after DIR.
	var dir string
	rest := args
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			return usagef("用法：partybot eval retrieval 目录 [--run 文件]")
		}
		rest = fs.Args()
		if len(rest) > 0 {
			if dir != "" {
				return usagef("用法：partybot eval retrieval 目录 [--run 文件]")
			}
			dir, rest = rest[0], rest[1:]
		}
	}
	if dir == "" {
		return usagef("用法：partybot eval retrieval 目录 [--run 文件]")
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

	var runFile *bufio.Writer
	if *run != "" {
		f, err := os.Create(*run)
		if err != nil {
			return fmt.Errorf("无法创建 %s：%w", *run, err)
		}
		defer f.Close()
		runFile = bufio.NewWriter(f)
	}
	var r1, r5, r10, mrr float64
	start = time.Now()
	results := make([][]retrieval.Hit, len(queries))
	for i, q := range queries {
		hits, err := idx.Search(ctx, q.Question, 10)
		if err != nil && err != retrieval.ErrEmptyQuery {
			return err
		}
		results[i] = hits
	}
	queryMS := time.Since(start).Seconds() * 1000
	for i, q := range queries {
		rank := 0
		for j, h := range results[i] {
			if runFile != nil {
				fmt.Fprintf(runFile, "%s Q0 %s %d %.6f partybot\n", q.ID, h.ID, j+1, h.Score)
			}
			if rank == 0 && slices.Contains(q.Gold, h.ID) {
				rank = j + 1
			}
		}
		switch {
		case rank == 1:
			r1++
			fallthrough
		case rank >= 1 && rank <= 5:
			r5++
			fallthrough
		case rank >= 1:
			r10++
			mrr += 1 / float64(rank)
		}
	}
	if runFile != nil {
		if err := runFile.Flush(); err != nil {
			return fmt.Errorf("写入 %s 失败：%w", *run, err)
		}
	}
	n := float64(len(queries))
	return writeJSONLine(m.Stdout, map[string]any{
		"passages": len(passages), "queries": len(queries),
		"recall@1": ratio(r1, n), "recall@5": ratio(r5, n), "recall@10": ratio(r10, n), "mrr@10": ratio(mrr, n),
		"ms_per_query": round3(queryMS / max(n, 1)), "index_ms": round3(indexMS),
	})
}
