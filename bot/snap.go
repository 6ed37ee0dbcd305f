package bot

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strings"

	"partybot/apperr"
	"partybot/tickets"
)

// reportDraft is a 随手拍 report being put together in a session: what is
// wrong, where (a shared point, a place in words, or both) and the photos
// already kept.
type reportDraft struct {
	Text   string               `json:"text,omitempty"`
	Place  string               `json:"place,omitempty"`
	Coords *tickets.LatLng      `json:"coords,omitempty"`
	Photos []tickets.Attachment `json:"photos,omitempty"`
}

// missing says what the report still needs, "" when it can be filed.
func (d *reportDraft) missing() string {
	switch {
	case d.Text == "":
		return "请用一句话说明发现了什么问题（例如：井盖缺失、楼道里电动车充电、路灯不亮）。"
	case d.Place == "" && d.Coords == nil:
		return "请点下方“发送我的位置”按钮发送位置，或直接写明具体地点（例如：幸福路与建设路路口）。"
	}
	return ""
}

// startReport is /report: a 随手拍 report begins, with text if given.
func (a *Assistant) startReport(ctx context.Context, s *Session, text string) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	d := &reportDraft{}
	if r, ok := a.addReportText(d, text); !ok {
		return r, nil
	}
	p := &step{kind: stepReport, key: newKey(), expires: a.now().Add(a.stepTTL), report: d}
	s.begin(p)
	return a.reportPrompt(ctx, p)
}

// reportMedia adds photos and a location to the live report, or begins
// one with them.
func (a *Assistant) reportMedia(ctx context.Context, s *Session, live *step, m Media) (Reply, error) {
	if a.desk == nil {
		return a.noDesk(), nil
	}
	p := live
	if p == nil || p.kind != stepReport {
		p = &step{kind: stepReport, key: newKey(), report: &reportDraft{}}
		s.begin(p)
	}
	p.expires = a.now().Add(a.stepTTL)
	d := p.report
	if m.Location != nil {
		c := tickets.LatLng{Lat: m.Location.Lat, Lng: m.Location.Lng}
		if err := c.Validate(); err != nil {
			return Reply{Text: apperr.Message(err)}, nil
		}
		d.Coords = &c
	}
	for _, ph := range m.Photos {
		if r, ok, err := a.keepPhoto(d, ph); !ok {
			return r, err
		}
	}
	if r, ok := a.addReportText(d, m.Caption); !ok {
		return r, nil
	}
	return a.reportPrompt(ctx, p)
}

// keepPhoto stores photo ph with the draft's photos.
func (a *Assistant) keepPhoto(d *reportDraft, ph File) (Reply, bool, error) {
	if a.desk.Files.Dir == "" {
		return Reply{Text: "本环境未配置照片存储，请用文字描述问题和地点。"}, false, nil
	}
	if len(d.Photos) >= tickets.MaxAttachments {
		return Reply{Text: fmt.Sprintf("每件随手拍最多 %d 张照片，多出的这张没有收下。", tickets.MaxAttachments)}, false, nil
	}
	att, err := a.desk.Files.Put(bytes.NewReader(ph.Data), MaxPhotoBytes)
	if code := apperr.Code(err); code == apperr.EInvalid {
		return Reply{Text: apperr.Message(err) + "，请换一张。"}, false, nil
	} else if err != nil {
		return Reply{Text: "照片保存失败，请稍后重新发送。"}, false, err
	}
	att.Name = uploadName(ph.Name)
	d.Photos = append(d.Photos, att)
	return Reply{}, true, nil
}

// addReportText takes text as what is wrong, or, once that is known and
// no place is, as the place.
func (a *Assistant) addReportText(d *reportDraft, text string) (Reply, bool) {
	text = strings.TrimSpace(tickets.CleanText(text))
	if text == "" {
		return Reply{}, true
	}
	if err := tickets.CheckText(text); err != nil {
		return Reply{Text: apperr.Message(err) + "。请修改后重新发送。"}, false
	}
	switch {
	case d.Text == "":
		d.Text = text
	case d.Place == "" && d.Coords == nil:
		d.Place = text
	default:
		d.Text += "\n" + text
	}
	return Reply{}, true
}

// reportPrompt asks for what the report lacks, or shows it for 提交.
func (a *Assistant) reportPrompt(ctx context.Context, p *step) (Reply, error) {
	d := p.report
	if need := d.missing(); need != "" {
		return Reply{Text: "随手拍：" + need + "\n" + reportSoFar(d) + "\n发送 /cancel 放弃。", AskLocation: d.Coords == nil}, nil
	}
	dr, err := a.desk.Extract(ctx, reportText(d))
	if err != nil {
		return Reply{Text: "抱歉，暂时无法判断交办部门，请稍后再试。"}, err
	}
	dept := cmp.Or(dr.DepartmentName, dr.Department)
	return Reply{
		Text: "请核对这条随手拍：\n" + reportSoFar(d) + "\n拟交办部门：" + dept +
			"\n\n点“提交”或回复“确认”提交；还可以继续补充照片（最多 5 张）或位置。",
		Buttons: [][]Button{{{Text: "提交", Data: "rp:ok:" + p.key}, {Text: "取消", Data: "rp:no:" + p.key}}},
	}, nil
}

// reportSoFar lists what the draft holds.
func reportSoFar(d *reportDraft) string {
	var b strings.Builder
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "\n%s：%s", k, v)
		}
	}
	row("问题", d.Text)
	row("地点", d.Place)
	if d.Coords != nil {
		row("位置", fmt.Sprintf("%.6f, %.6f", d.Coords.Lat, d.Coords.Lng))
	}
	if len(d.Photos) > 0 {
		row("照片", fmt.Sprintf("%d 张", len(d.Photos)))
	}
	return b.String()
}

// reportText is the text a report is routed and filed by.
func reportText(d *reportDraft) string {
	if d.Place == "" {
		return d.Text
	}
	return d.Text + "\n地点：" + d.Place
}

// fileReport files the session's live report named by key.
func (a *Assistant) fileReport(ctx context.Context, s *Session, key string) (Reply, error) {
	p := s.stepFor(stepReport, key, a.now())
	if p == nil || p.report.missing() != "" {
		return Reply{Text: "这条随手拍已失效（已提交、已取消、已超时或尚不完整）。发送照片、位置或 /report 重新开始。"}, nil
	}
	d := p.report
	dr, err := a.desk.Extract(ctx, reportText(d))
	if err != nil {
		return Reply{Text: "抱歉，暂时无法判断交办部门，请稍后再试。"}, err
	}
	t, err := a.desk.Store.CreateTicket(ctx, tickets.NewTicket{
		SubmitterID: s.User.ID, SubmitterName: s.User.Name, Channel: tickets.ChannelChat, Kind: tickets.KindReport,
		Text: dr.Text, Summary: dr.Summary, Category: dr.Category, Department: dr.Department,
		Confidence: dr.Confidence, ManualDispatch: dr.ManualDispatch, Urgency: dr.Urgency,
		Location: cmp.Or(d.Place, dr.Location), Contact: dr.Contact, Coords: d.Coords, Attachments: d.Photos,
		IdempotencyKey: s.User.ID + ":" + p.key, Via: s.via(),
	})
	if apperr.Code(err) == apperr.EInternal {
		return Reply{Text: "抱歉，工单系统暂时不可用，这条随手拍还没有提交。草稿已保留，请稍后再点“提交”。"}, err
	} else if err != nil {
		return ticketReply(err)
	}
	s.end(p)
	return Reply{Text: fmt.Sprintf("随手拍已提交，编号 %s，已交办%s。核实后会通知您；核实有效的可获得红色积分。发送 /ticket %s 查看进展。",
		t.Number, cmp.Or(dr.DepartmentName, t.Department), t.Number), Settled: true}, nil
}

// cancelReport drops the live report named by key.
func (a *Assistant) cancelReport(s *Session, key string) Reply {
	if p := s.stepFor(stepReport, key, a.now()); p == nil || !s.end(p) {
		return Reply{Text: "没有待提交的随手拍。", Personal: true}
	}
	return Reply{Text: "已取消，这条随手拍没有提交。", Settled: true}
}

// continueReport offers a plain message to the live report st: a confirm
// or cancel word, or text for what it lacks.
func (a *Assistant) continueReport(ctx context.Context, s *Session, st *step, text string, confirm, cancel bool) (Reply, bool, error) {
	switch {
	case confirm && st.report.missing() == "":
		r, err := a.fileReport(ctx, s, st.key)
		return r, true, err
	case cancel:
		return a.cancelReport(s, st.key), true, nil
	case st.report.missing() == "":
		return Reply{}, false, nil // complete: another message is another matter
	}
	if r, ok := a.addReportText(st.report, text); !ok {
		return r, true, nil
	}
	st.expires = a.now().Add(a.stepTTL)
	r, err := a.reportPrompt(ctx, st)
	return r, true, err
}

// reportButton is 提交 or 取消 pressed under a report ("ok:KEY", "no:KEY").
func (a *Assistant) reportButton(ctx context.Context, s *Session, rest string) (Reply, error) {
	action, key, _ := strings.Cut(rest, ":")
	switch action {
	case "ok":
		return a.fileReport(ctx, s, key)
	case "no":
		return a.cancelReport(s, key), nil
	}
	return Reply{Text: "无法识别的操作。", Personal: true}, nil
}
