package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"partybot/apperr"
	"partybot/tickets"
)

// Config is what partybot reads from its environment and config file.
type Config struct {
	// DataDir holds the index and the ticket database (PARTYBOT_DATA).
	DataDir string
	// ConfigFile is the optional YAML file (PARTYBOT_CONFIG).
	ConfigFile string

	// Access says who may use the bot and who administers it.
	Access AccessConfig
	// Departments override or extend the default departments by key.
	Departments []DepartmentConfig
	// LLM holds the model endpoint's time limits.
	LLM LLMConfig
	// RouteThreshold is the routing confidence below which a demand goes to
	// manual dispatch (0: tickets.DefaultThreshold).
	RouteThreshold float64
	// Telegram holds the settings of "partybot serve" (the "telegram"
	// section and its environment variables; never the bot token, which
	// comes from TELEGRAM_BOT_TOKEN alone).
	Telegram TelegramConfig
	// StepMinutes is how long a pending step — a demand draft waiting for
	// 提交, an 办结 waiting for its reply — waits before it expires
	// (conversation.step_minutes; 0: bot.DefaultStepTimeout).
	StepMinutes float64

	fileLoaded  bool
	departments []tickets.Department // merged once the file is read
}

// AccessConfig is the "access" section of the config file.
type AccessConfig struct {
	// Mode is "open" (anyone may use the bot; the default) or "allowlist"
	// (only AllowedUsers, admins and department staff).
	Mode         string   `yaml:"mode"`
	Admins       []string `yaml:"admins"`
	AllowedUsers []string `yaml:"allowed_users"`
	// TicketsPerHour caps the demands one user may file through chat in
	// any hour, so that department chats cannot be flooded; 0 means no cap.
	// Unset (nil): DefaultTicketsPerHour in open mode, no cap in allowlist
	// mode. Demands staff enter with "tickets create --from" are not capped.
	TicketsPerHour *int `yaml:"tickets_per_hour"`
}

// DefaultTicketsPerHour is the cap of access.tickets_per_hour in open mode
// when the config file does not set it.
const DefaultTicketsPerHour = 5

// Access modes.
const (
	AccessOpen      = "open"
	AccessAllowlist = "allowlist"
)

// DepartmentConfig is one entry of the "departments" section: a department
// key with the settings to change. Keywords are added to the department's
// own; an unknown key adds a department (it then needs a name and deadlines).
type DepartmentConfig struct {
	Key                 string   `yaml:"key"`
	Name                string   `yaml:"name"`
	Scope               string   `yaml:"scope"`
	Keywords            []string `yaml:"keywords"`
	StrongKeywords      []string `yaml:"strong_keywords"`
	WeakKeywords        []string `yaml:"weak_keywords"`
	ChatID              int64    `yaml:"chat_id"`
	Staff               []string `yaml:"staff"`
	ResponseHours       float64  `yaml:"response_hours"`
	ResolveHours        float64  `yaml:"resolve_hours"`
	UrgentResponseHours float64  `yaml:"urgent_response_hours"`
	UrgentResolveHours  float64  `yaml:"urgent_resolve_hours"`
}

// fileConfig is the layout of the YAML config file, as far as this file
// reads it; other sections are read elsewhere and ignored here.
type fileConfig struct {
	Access      AccessConfig       `yaml:"access"`
	Admins      []string           `yaml:"admins"` // also accepted at the top level
	Departments []DepartmentConfig `yaml:"departments"`
	Routing     struct {
		Threshold float64 `yaml:"threshold"`
	} `yaml:"routing"`
	Telegram     TelegramConfig `yaml:"telegram"`
	LLM          LLMConfig      `yaml:"llm"`
	Conversation struct {
		StepMinutes float64 `yaml:"step_minutes"`
	} `yaml:"conversation"`
}

// LLMConfig is the "llm" section: how long to wait for the model endpoint.
// Endpoint, key and models come from the environment only.
type LLMConfig struct {
	// TimeoutSeconds bounds one request (0: the client's default, 60 s).
	TimeoutSeconds float64 `yaml:"timeout_seconds"`
	// StreamIdleSeconds bounds a silence in a streamed answer (0: 30 s).
	StreamIdleSeconds float64 `yaml:"stream_idle_seconds"`
	// AnswerTimeoutSeconds bounds a whole model answer, rewrite included
	// (0: 45 s); past it the extractive answer is given.
	AnswerTimeoutSeconds float64 `yaml:"answer_timeout_seconds"`
	// MaxRetries of a failed request (nil: the client's default, 2).
	MaxRetries *int `yaml:"max_retries"`
}

// DefaultConfig returns the offline defaults.
func DefaultConfig() Config {
	return Config{DataDir: "./data", Access: AccessConfig{Mode: AccessOpen}}
}

// ConfigFromEnv returns DefaultConfig with environment overrides applied.
func ConfigFromEnv() Config {
	c := DefaultConfig()
	if v := os.Getenv("PARTYBOT_DATA"); v != "" {
		c.DataDir = v
	}
	if v := os.Getenv("PARTYBOT_CONFIG"); v != "" {
		c.ConfigFile = v
	}
	c.Telegram.readEnv()
	return c
}

// ReadFile applies the YAML config file at path to c: access, departments
// and the routing threshold. Unknown sections are left to other readers.
func (c *Config) ReadFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("配置文件 %s 不存在", path)
	} else if err != nil {
		return fmt.Errorf("读取配置文件 %s 失败：%w", path, err)
	}
	return c.parse(path, data)
}

func (c *Config) parse(path string, data []byte) error {
	var f fileConfig
	if err := yaml.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("配置文件 %s 格式错误：%v", path, err)
	}
	switch f.Access.Mode {
	case "":
		f.Access.Mode = AccessOpen
	case AccessOpen, AccessAllowlist:
	default:
		return fmt.Errorf("配置文件 %s：access.mode 应为 open 或 allowlist，而不是 %q", path, f.Access.Mode)
	}
	if n := f.Access.TicketsPerHour; n != nil && *n < 0 {
		return fmt.Errorf("配置文件 %s：access.tickets_per_hour 不能为负数（0 表示不限）", path)
	}
	f.Access.Admins = append(f.Access.Admins, f.Admins...)
	for _, id := range slices.Concat(f.Access.Admins, f.Access.AllowedUsers) {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("配置文件 %s：用户 id 不能为空", path)
		}
	}
	if t := f.Routing.Threshold; t < 0 || t > 1 {
		return fmt.Errorf("配置文件 %s：routing.threshold 应在 0 到 1 之间", path)
	}
	if l := f.LLM; l.TimeoutSeconds < 0 || l.StreamIdleSeconds < 0 || l.AnswerTimeoutSeconds < 0 || (l.MaxRetries != nil && (*l.MaxRetries < 0 || *l.MaxRetries > 10)) {
		return fmt.Errorf("配置文件 %s：llm 的时限不能为负数，max_retries 应在 0 到 10 之间", path)
	}
	if m := f.Conversation.StepMinutes; m < 0 || m > 24*60 {
		return fmt.Errorf("配置文件 %s：conversation.step_minutes 应在 0 到 1440 之间（0 表示默认 10 分钟）", path)
	}
	next := *c
	next.Access, next.Departments, next.RouteThreshold, next.LLM = f.Access, f.Departments, f.Routing.Threshold, f.LLM
	next.StepMinutes = f.Conversation.StepMinutes
	if err := next.Telegram.apply(f.Telegram); err != nil {
		return fmt.Errorf("配置文件 %s：%v", path, err)
	}
	ds, err := next.TicketDepartments()
	if err != nil {
		return fmt.Errorf("配置文件 %s：%s", path, apperr.Message(err))
	}
	// Viewer and Allowed run several times per Telegram update: merge the
	// departments once.
	next.departments = ds
	next.fileLoaded = true
	*c = next
	return nil
}

// loadConfig reads the config file named by Config.ConfigFile, once.
// Subcommands that need access or department settings call it first.
func (m *Main) loadConfig() error {
	if m.Config.fileLoaded {
		return nil
	}
	if m.Config.ConfigFile == "" {
		ds, err := m.Config.TicketDepartments()
		if err != nil {
			return err
		}
		m.Config.departments, m.Config.fileLoaded = ds, true
		return nil
	}
	return m.Config.ReadFile(m.Config.ConfigFile)
}

// TicketDepartments returns the default departments with the config's
// overrides applied. Returns a tickets EINVALID error when they do not
// validate.
func (c Config) TicketDepartments() ([]tickets.Department, error) {
	if c.departments != nil {
		return c.departments, nil
	}
	var over []tickets.Department
	for _, d := range c.Departments {
		o := tickets.Department{
			Key: d.Key, Name: d.Name, Scope: d.Scope, ChatID: d.ChatID, Staff: d.Staff,
			ResponseHours: d.ResponseHours, ResolveHours: d.ResolveHours,
			UrgentResponseHours: d.UrgentResponseHours, UrgentResolveHours: d.UrgentResolveHours,
		}
		if len(d.Keywords)+len(d.StrongKeywords)+len(d.WeakKeywords) > 0 {
			o.Topics = []tickets.Topic{{Category: cmp.Or(d.Name, d.Key), Strong: d.StrongKeywords, Keywords: d.Keywords, Weak: d.WeakKeywords}}
		}
		over = append(over, o)
	}
	return tickets.MergeDepartments(tickets.DefaultDepartments(), over)
}

// TicketsPerHour is the cap on the demands one user may file through chat
// in an hour (access.tickets_per_hour), 0 for none: by default
// DefaultTicketsPerHour in open mode and none in allowlist mode.
func (c Config) TicketsPerHour() int {
	switch {
	case c.Access.TicketsPerHour != nil:
		return max(*c.Access.TicketsPerHour, 0)
	case c.Access.Mode == AccessAllowlist:
		return 0
	}
	return DefaultTicketsPerHour
}

// IsAdmin reports whether userID administers the bot.
func (c Config) IsAdmin(userID string) bool {
	return userID != "" && slices.Contains(c.Access.Admins, userID)
}

// Viewer returns what userID may see of tickets: admin per access.admins,
// staff of every department whose staff list names it, and submitter of
// their own tickets.
func (c Config) Viewer(userID string) tickets.Viewer {
	v := tickets.Viewer{UserID: userID, Admin: c.IsAdmin(userID)}
	ds, err := c.TicketDepartments()
	if err != nil || userID == "" {
		return v
	}
	for _, d := range ds {
		if slices.Contains(d.Staff, userID) {
			v.Departments = append(v.Departments, d.Key)
		}
	}
	return v
}

// Allowed reports whether userID may use the bot: anyone in open mode; in
// allowlist mode the allowed users, admins and department staff.
func (c Config) Allowed(userID string) bool {
	if c.Access.Mode != AccessAllowlist {
		return true
	}
	if userID == "" {
		return false
	}
	v := c.Viewer(userID)
	return v.Admin || len(v.Departments) > 0 || slices.Contains(c.Access.AllowedUsers, userID)
}
