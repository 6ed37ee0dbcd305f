package bot

import (
	"context"
	"fmt"
)

// WebLinks makes a single-use sign-in link to the console for a user.
type WebLinks func(ctx context.Context, userID string) (string, error)

// WithWebLinks lets staff and admins ask for a console sign-in link with
// /web.
func WithWebLinks(f WebLinks) Option { return func(a *Assistant) { a.webLinks = f } }

// webLink is /web: a single-use sign-in link, in a private chat only (it
// signs in whoever opens it).
func (a *Assistant) webLink(ctx context.Context, s *Session, _ string) (Reply, error) {
	if a.webLinks == nil || a.desk == nil {
		return Reply{Text: "本环境未启用工作台。"}, nil
	}
	v := a.viewer(s)
	if !v.Admin && len(v.Departments) == 0 {
		return Reply{Text: "工作台供部门工作人员和管理员使用。"}, nil
	}
	if s.Chat.Group {
		return Reply{Text: msgPrivateOnly}, nil
	}
	link, err := a.webLinks(ctx, s.User.ID)
	if err != nil {
		return Reply{Text: "抱歉，暂时无法生成登录链接，请稍后再试。"}, err
	}
	return Reply{Text: fmt.Sprintf("工作台登录链接（10 分钟内有效，只能使用一次，请勿转发）：\n%s", link)}, nil
}
