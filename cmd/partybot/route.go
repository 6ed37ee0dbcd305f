package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"partybot/apperr"
	"partybot/tickets"
)

const routeUsage = `用法：partybot route [--json] 诉求...
  判断诉求应交办的部门（不建工单）；诉求为 "-" 时从标准输入逐行读取`

// openRouter builds the router of the configured departments.
func (m *Main) openRouter() (*tickets.Router, error) {
	if err := m.loadConfig(); err != nil {
		return nil, err
	}
	var opts []tickets.RouterOption
	if m.Config.RouteThreshold > 0 {
		opts = append(opts, tickets.WithThreshold(m.Config.RouteThreshold))
	}
	r, err := tickets.NewRouter(m.Config.departments, opts...)
	if err != nil {
		return nil, fmt.Errorf("初始化分派规则失败：%w", err)
	}
	return r, nil
}

// runRoute implements "partybot route [--json] TEXT...".
func (m *Main) runRoute(ctx context.Context, args []string) error {
	fs := newFlagSet("route")
	asJSON := fs.Bool("json", false, "")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagError(err, routeUsage)
	}
	fromStdin := len(pos) == 1 && pos[0] == "-"
	texts, err := m.routeTexts(pos, fromStdin)
	if err != nil {
		return err
	}
	if len(texts) == 0 && !fromStdin {
		return usagef("%s", routeUsage)
	}
	r, err := m.openRouter()
	if err != nil {
		return err
	}
	for _, text := range texts {
		if err := tickets.CheckText(text); err != nil {
			return errors.New(apperr.Message(err))
		}
		rt, err := r.Route(ctx, text)
		if err != nil {
			return err
		}
		if err := m.printRoute(r, text, rt, *asJSON); err != nil {
			return err
		}
	}
	return nil
}

// routeTexts are the demands to route: the arguments as one, or each
// non-blank line of stdin.
func (m *Main) routeTexts(pos []string, fromStdin bool) ([]string, error) {
	if !fromStdin {
		if t := strings.TrimSpace(strings.Join(pos, " ")); t != "" {
			return []string{t}, nil
		}
		return nil, nil
	}
	var texts []string
	sc := bufio.NewScanner(m.Stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			texts = append(texts, t)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("读取标准输入失败：%w", err)
	}
	return texts, nil
}

// printRoute prints where text goes: a JSON line, or a line for people.
func (m *Main) printRoute(r *tickets.Router, text string, rt tickets.Routing, asJSON bool) error {
	if asJSON {
		return writeJSONLine(m.Stdout, struct {
			Text       string  `json:"text"`
			Department string  `json:"department"`
			Confidence float64 `json:"confidence"`
		}{text, rt.Department, rt.Confidence})
	}
	d, _ := findDepartment(r.Departments(), rt.Department)
	line := fmt.Sprintf("%s（%s）置信度 %.2f", d.Name, rt.Department, rt.Confidence)
	if rt.Category != "" {
		line += "，类别：" + rt.Category
	}
	if rt.ManualDispatch {
		line += "，无法确定归属，转人工分派"
	}
	_, err := fmt.Fprintf(m.Stdout, "%s\t%s\n", line, text)
	return err
}

func findDepartment(ds []tickets.Department, key string) (tickets.Department, bool) {
	for _, d := range ds {
		if d.Key == key {
			return d, true
		}
	}
	return tickets.Department{Key: key, Name: key}, false
}
