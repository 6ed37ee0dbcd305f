package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"partybot/web"
)

// localAdmin is the user "partybot web" signs in as the console's
// administrator when none is configured (see [localAdminAllowed]).
const localAdmin = "local-admin"

// localAdminAllowed reports whether "partybot web" may sign in a local
// administrator: no administrator is configured (admins is how many are),
// it listens on a loopback address, and the public URL (PARTYBOT_WEB_URL,
// "" when unset) is on this machine too. Otherwise it returns why not, or
// "" when administrators are configured.
func localAdminAllowed(listen, publicURL string, admins int) (bool, string) {
	switch {
	case admins > 0:
		return false, ""
	case !isLoopback(listen):
		return false, fmt.Sprintf("未配置管理员（access.admins）。工作台监听 %s，其他计算机也可能访问，因此不生成本机管理员 %s 的登录链接；"+
			"请在配置文件中设置管理员或部门工作人员，再用 partybot web link --user ID 生成登录链接。", listen, localAdmin)
	case publicURL != "" && !isLoopbackURL(publicURL):
		return false, fmt.Sprintf("未配置管理员（access.admins）。工作台的访问地址 %s（PARTYBOT_WEB_URL）不在本机，因此不生成本机管理员 %s 的登录链接；"+
			"请在配置文件中设置管理员，再用 partybot web link --user ID 生成登录链接。", publicURL, localAdmin)
	}
	return true, ""
}

// isLoopback reports whether the listen address host:port is reachable
// from this machine only: see [isLoopbackHost].
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err == nil && isLoopbackHost(host)
}

// isLoopbackURL reports whether the URL u names this machine.
func isLoopbackURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && isLoopbackHost(p.Hostname())
}

// isLoopbackHost reports whether host is a loopback IP (127.0.0.0/8, ::1)
// or a name, such as localhost, whose every address is one.
func isLoopbackHost(host string) bool {
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// printLocalAdminLink prints a sign-in link of the local administrator of
// the console reached at base, as the last line of w.
func printLocalAdminLink(ctx context.Context, w io.Writer, auth *web.Store, base string) error {
	token, err := auth.NewLink(ctx, localAdmin, web.DefaultNext)
	if err != nil {
		return ticketError(err)
	}
	fmt.Fprintf(w, "未配置管理员，已为本机管理员 %s 生成登录链接（仅本机可用，只能使用一次，%d 分钟内有效；过期后重新运行本命令即可）。在浏览器中打开：\n",
		localAdmin, int(web.LinkTTL/time.Minute))
	fmt.Fprintln(w, base+"/login?token="+url.QueryEscape(token))
	return nil
}
