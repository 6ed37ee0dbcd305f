package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"partybot/apperr"
	"partybot/bot"
	"partybot/checklist"
)

const checklistUsage = "用法：partybot checklist [--xlsx 文件] [--md 文件] [--org 单位] [--due 日期] 主题...\n" +
	"例如：partybot checklist --xlsx 台账.xlsx --org 乌达区民政局 --due 2026-06-30 社会组织换届"

// checklistDir is the folder of the data directory that holds a deployer's
// own checklist templates (*.yaml).
const checklistDir = "checklists"

// runChecklist drafts a checklist for the topic, prints it as the chat
// message and, when asked, writes the .xlsx 台账 and a Markdown file.
// A refused topic prints the refusal; it is an error only when files were
// asked for.
func (m *Main) runChecklist(ctx context.Context, args []string) error {
	fs := newFlagSet("checklist")
	xlsxPath := fs.String("xlsx", "", "write the .xlsx 台账 to this file or folder")
	mdPath := fs.String("md", "", "write the Markdown version to this file or folder")
	org := fs.String("org", "", "责任单位 of every item")
	due := fs.String("due", "", "完成时限 of every item")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return usagef("%s\n（%v）", checklistUsage, err)
	}
	if len(words) == 0 {
		return usagef("%s", checklistUsage)
	}
	var opt checklist.Options
	opt.Org = *org
	if *due != "" {
		if opt.Due, err = parseDue(*due); err != nil {
			return usagef("--due 的日期“%s”无法识别，请写成 2026-06-30 这样的日期。\n%s", *due, checklistUsage)
		}
	}
	kb, err := m.openKnowledgeBase(ctx)
	if err != nil {
		return err
	}
	d, err := m.checklistDrafter(ctx, kb)
	if err != nil {
		return err
	}
	c, err := d.Draft(ctx, strings.Join(words, " "), opt)
	if err != nil {
		if apperr.Code(err) == apperr.EInvalid {
			return usagef("%s\n%s", apperr.Message(err), checklistUsage)
		}
		return err
	}
	fmt.Fprintln(m.Stdout, c.Message())
	if c.Refused() {
		if *xlsxPath != "" || *mdPath != "" {
			return errors.New("知识库中没有依据，未生成台账文件")
		}
		return nil
	}
	return m.writeChecklistFiles(c, *xlsxPath, *mdPath)
}

// writeChecklistFiles writes the .xlsx 台账 to xlsxPath and the Markdown
// version to mdPath, each when set (a folder gets the checklist's file
// name), and says where on stderr.
func (m *Main) writeChecklistFiles(c checklist.Checklist, xlsxPath, mdPath string) error {
	if xlsxPath != "" {
		path := outputPath(xlsxPath, c.FileName())
		if err := writeFileAtomic(path, c.WriteXLSX); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "台账已保存：%s\n", path)
	}
	if mdPath != "" {
		path := outputPath(mdPath, strings.TrimSuffix(c.FileName(), ".xlsx")+".md")
		err := writeFileAtomic(path, func(w io.Writer) error {
			_, err := io.WriteString(w, c.Markdown())
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "Markdown 已保存：%s\n", path)
	}
	return nil
}

// dueLayouts are the date forms --due accepts.
var dueLayouts = []string{"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日", "20060102"}

// parseDue reads a deadline date in one of dueLayouts, in local time,
// between the years 2000 and 2099.
func parseDue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dueLayouts {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			if t.Year() < 2000 || t.Year() > 2099 {
				return time.Time{}, fmt.Errorf("year %d out of range", t.Year())
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown date %q", s)
}

// outputPath is path, or name inside path when path is a folder.
func outputPath(path, name string) string {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return filepath.Join(path, name)
	}
	return path
}

// checklistDrafter loads the shipped templates and the deployer's own
// (PARTYBOT_DATA/checklists) and returns a drafter over kb.
func (m *Main) checklistDrafter(ctx context.Context, kb *bot.KnowledgeBase) (*checklist.Drafter, error) {
	templates, err := checklist.LoadTemplates(filepath.Join(m.Config.DataDir, checklistDir))
	if err != nil {
		return nil, fmt.Errorf("清单模板有误，请修改后再试：%w", err)
	}
	d, err := checklist.NewDrafter(ctx, kb, templates)
	if err != nil {
		return nil, err
	}
	c, err := m.modelClient()
	if err != nil {
		return nil, err
	}
	if c != nil && c.Config().ChatEnabled() {
		// The model may adapt wording and propose items; the drafter keeps
		// only those whose quote stands in the cited passage.
		d.Adapter = checklist.ModelAdapter(c, 30*time.Second)
	}
	return d, nil
}
