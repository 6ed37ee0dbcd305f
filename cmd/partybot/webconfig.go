package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"partybot/strictyaml"
)

// WebConfig is the "web" section of the config file: where the console
// listens and the address users reach it at. PARTYBOT_WEB_LISTEN and
// PARTYBOT_WEB_URL override it.
type WebConfig struct {
	// Listen is the console's listen address ("127.0.0.1:8080"). Set, it
	// also makes "partybot serve" run the console beside the bot.
	Listen string `yaml:"listen"`
	// URL is the public base URL used in sign-in links; https makes the
	// session cookie Secure.
	URL string `yaml:"url"`
}

// Defaults of the console's addresses.
const (
	defaultWebListen = "127.0.0.1:8080"
	defaultWebURL    = "http://127.0.0.1:8080"
)

// validate checks the section's values: a host:port to listen on and an
// http(s) URL with a host.
func (w WebConfig) validate() error {
	if err := checkListen(w.Listen); err != nil {
		return strictyaml.Errorf("listen", "web.listen %s", err)
	}
	if err := checkWebURL(w.URL); err != nil {
		return strictyaml.Errorf("url", "web.url %s", err)
	}
	return nil
}

// checkListen checks a listen address ("" is unset).
func checkListen(addr string) error {
	if addr == "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("应为“主机:端口”形式的监听地址（如 127.0.0.1:8080 或 :8080），而不是 %q", addr)
	}
	return nil
}

// checkWebURL checks a public base URL ("" is unset).
func checkWebURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("应为 http(s) 地址（如 https://console.example.org），而不是 %q", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("不能含用户名、查询参数或 #片段：%q", raw)
	}
	return nil
}

// webSetting is a web setting: the environment variable name if set,
// else the file's value.
func webSetting(env, file string) (value, source string) {
	if v := strings.TrimSpace(os.Getenv(env)); v != "" {
		return v, env
	}
	return file, ""
}

// webListen returns the console's listen address (PARTYBOT_WEB_LISTEN,
// then web.listen, then 127.0.0.1:8080) and whether one was set. Returns
// an error naming the variable for a malformed one.
func (c *Config) webListen() (addr string, set bool, err error) {
	addr, env := webSetting("PARTYBOT_WEB_LISTEN", c.Web.Listen)
	if env != "" {
		if err := checkListen(addr); err != nil {
			return "", false, fmt.Errorf("环境变量 %s %w", env, err)
		}
	}
	if addr == "" {
		return defaultWebListen, false, nil
	}
	return addr, true, nil
}

// webURL returns the console's public base URL without a trailing slash
// (PARTYBOT_WEB_URL, then web.url, then http://127.0.0.1:8080). Returns an
// error naming the variable for one that is not http(s).
func (c *Config) webURL() (string, error) {
	u, env := webSetting("PARTYBOT_WEB_URL", c.Web.URL)
	if env != "" {
		if err := checkWebURL(u); err != nil {
			return "", fmt.Errorf("环境变量 %s %w", env, err)
		}
	}
	if u == "" {
		u = defaultWebURL
	}
	return strings.TrimRight(u, "/"), nil
}
