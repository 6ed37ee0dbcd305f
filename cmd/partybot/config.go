package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"partybot/access"
	"partybot/apperr"
	"partybot/points"
	"partybot/push"
	"partybot/strictyaml"
	"partybot/tickets"
)

// Config is what partybot reads from its environment and config file.
type Config struct {
	// DataDir holds the index and the ticket database (PARTYBOT_DATA).
	DataDir string
	// ConfigFile is the optional YAML file (PARTYBOT_CONFIG).
	ConfigFile string
	// DatabaseURL is the PostgreSQL database the replicas share
	// (PARTYBOT_DATABASE_URL or database.url); empty for the SQLite files
	// in DataDir.
	DatabaseURL string

	// Access says who may use the bot and who administers it.
	Access access.Config
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
	// PointsRules are the 红色积分 rules (the "points" section).
	PointsRules points.Rules
	// Push is the policy push's quiet hours and daily limit.
	Push push.Config
	// StepMinutes is how long a pending step — a demand draft waiting for
	// 提交, an 办结 waiting for its reply — waits before it expires
	// (conversation.step_minutes; 0: bot.DefaultStepTimeout).
	StepMinutes float64
	// Web is where the console listens and its public URL (the "web"
	// section; the environment's PARTYBOT_WEB_LISTEN and PARTYBOT_WEB_URL
	// win, see Config.webListen and Config.webURL).
	Web WebConfig

	// What the settings make, once read (see Main.loadConfig): merged once,
	// as Viewer and Allowed run several times per Telegram update.
	departments []tickets.Department
	policy      *access.Policy
}

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

// fileConfig is the layout of the YAML config file: every section the
// program reads. Any other key is an error, with its line.
type fileConfig struct {
	Access       access.Config      `yaml:"access"`
	Admins       []string           `yaml:"admins"` // also accepted at the top level
	Departments  []DepartmentConfig `yaml:"departments"`
	Routing      routingConfig      `yaml:"routing"`
	Telegram     TelegramConfig     `yaml:"telegram"`
	LLM          LLMConfig          `yaml:"llm"`
	Conversation conversationConfig `yaml:"conversation"`
	Database     databaseConfig     `yaml:"database"`
	Points       points.Config      `yaml:"points"`
	Push         push.Config        `yaml:"push"`
	Web          WebConfig          `yaml:"web"`
}

// routingConfig is the "routing" section.
type routingConfig struct {
	Threshold float64 `yaml:"threshold"`
}

// conversationConfig is the "conversation" section.
type conversationConfig struct {
	StepMinutes float64 `yaml:"step_minutes"`
}

// envOnly are the secrets read from the environment only. Written in the
// file, each is an error that says where it belongs (and does not repeat
// it).
var envOnly = []struct{ path, what, env string }{
	{"telegram.token", "机器人令牌", "TELEGRAM_BOT_TOKEN"},
	{"telegram.webhook_secret", "webhook 密钥", "PARTYBOT_WEBHOOK_SECRET"},
	{"llm.api_key", "模型服务的密钥", "OPENAI_API_KEY"},
}

// DefaultConfig returns the offline defaults.
func DefaultConfig() Config {
	return Config{DataDir: "./data", Access: access.Config{Mode: access.Open}, PointsRules: points.DefaultRules()}
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
	c.readDatabaseEnv()
	return c
}

// ReadFile applies the YAML config file at path to c. Every key must be
// one the program reads and every value must be valid: the error names
// the file, the line and the setting ("配置文件 partybot.yaml 第 1 行：
// 未知的设置 acess，是否想写 access？").
func (c *Config) ReadFile(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("配置文件 %s 不存在", path)
	} else if err != nil {
		return fmt.Errorf("读取配置文件 %s 失败：%w", path, err)
	}
	if err := c.parse(data); err != nil {
		return &fileError{path: path, err: err}
	}
	return nil
}

// parse applies a config file's data to c, or leaves c as it is and
// returns a [*strictyaml.Error] with the line of the problem.
func (c *Config) parse(data []byte) error {
	doc, err := strictyaml.Parse(data)
	if err != nil {
		return err
	}
	for _, e := range envOnly {
		if doc.Has(e.path) {
			return doc.Locate(strictyaml.Errorf(e.path, "%s 不能写在配置文件中：%s只从环境变量 %s 读取，请删除这一项", e.path, e.what, e.env), "")
		}
	}
	var f fileConfig
	if err := doc.Decode(&f); err != nil {
		return err
	}
	if err := f.validate(doc); err != nil {
		return err
	}
	next := *c
	next.Access = f.Access
	next.Access.Admins = append(f.Access.Admins, f.Admins...)
	next.Departments, next.RouteThreshold = f.Departments, f.Routing.Threshold
	next.LLM, next.StepMinutes = f.LLM, f.Conversation.StepMinutes
	rules, err := f.Points.Resolve()
	if err != nil {
		return doc.Locate(err, "points")
	}
	next.PointsRules = rules
	next.Push, next.Web = f.Push, f.Web
	next.Telegram.apply(f.Telegram)
	if next.DatabaseURL == "" { // the environment wins
		next.DatabaseURL = f.Database.URL
	}
	if err := next.resolve(); err != nil {
		return doc.Locate(err, "departments")
	}
	*c = next
	return nil
}

// validate checks the values of every section; a problem is placed on
// its line in doc.
func (f *fileConfig) validate(doc *strictyaml.Document) error {
	for _, s := range []struct {
		under string
		err   error
	}{
		{"access", f.Access.Validate()},
		{"", checkIDs("admins", f.Admins)},
		{"routing", f.Routing.validate()},
		{"telegram", f.Telegram.validate()},
		{"llm", f.LLM.validate()},
		{"conversation", f.Conversation.validate()},
		{"database", f.Database.validate()},
		{"points", f.Points.Validate()},
		{"push", f.Push.Validate()},
		{"web", f.Web.validate()},
	} {
		if s.err != nil {
			return doc.Locate(s.err, s.under)
		}
	}
	return nil
}

// checkIDs checks that no user id of the list at key is blank.
func checkIDs(key string, ids []string) error {
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			return strictyaml.Errorf(fmt.Sprintf("%s[%d]", key, i), "%s 中的用户 id 不能为空", key)
		}
	}
	return nil
}

func (r routingConfig) validate() error {
	if r.Threshold < 0 || r.Threshold > 1 {
		return strictyaml.Errorf("threshold", "routing.threshold 应在 0 到 1 之间")
	}
	return nil
}

func (c conversationConfig) validate() error {
	if c.StepMinutes < 0 || c.StepMinutes > 24*60 {
		return strictyaml.Errorf("step_minutes", "conversation.step_minutes 应在 0 到 1440 之间（0 表示默认 10 分钟）")
	}
	return nil
}

func (l LLMConfig) validate() error {
	for _, s := range []struct {
		key     string
		seconds float64
	}{
		{"timeout_seconds", l.TimeoutSeconds}, {"stream_idle_seconds", l.StreamIdleSeconds},
		{"answer_timeout_seconds", l.AnswerTimeoutSeconds},
	} {
		if s.seconds < 0 {
			return strictyaml.Errorf(s.key, "llm.%s 不能为负数（0 表示默认）", s.key)
		}
	}
	if r := l.MaxRetries; r != nil && (*r < 0 || *r > 10) {
		return strictyaml.Errorf("max_retries", "llm.max_retries 应在 0 到 10 之间")
	}
	return nil
}

// resolve merges the departments and builds the access policy over them.
// Returns the EINVALID error of tickets.MergeDepartments.
func (c *Config) resolve() error {
	over := make([]tickets.Department, len(c.Departments))
	for i, d := range c.Departments {
		over[i] = tickets.Department{
			Key: d.Key, Name: d.Name, Scope: d.Scope, ChatID: d.ChatID, Staff: d.Staff,
			ResponseHours: d.ResponseHours, ResolveHours: d.ResolveHours,
			UrgentResponseHours: d.UrgentResponseHours, UrgentResolveHours: d.UrgentResolveHours,
		}
		if len(d.Keywords)+len(d.StrongKeywords)+len(d.WeakKeywords) > 0 {
			over[i].Topics = []tickets.Topic{{Category: cmp.Or(d.Name, d.Key), Strong: d.StrongKeywords, Keywords: d.Keywords, Weak: d.WeakKeywords}}
		}
	}
	ds, err := tickets.MergeDepartments(tickets.DefaultDepartments(), over)
	if err != nil {
		return err
	}
	p, err := access.New(c.Access, ds)
	if err != nil {
		return err
	}
	c.departments, c.policy = ds, p
	return nil
}

// fileError is a problem of the config file: "配置文件 FILE 第 N 行：…".
type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string {
	var se *strictyaml.Error
	switch {
	case errors.As(e.err, &se) && se.Line > 0:
		return fmt.Sprintf("配置文件 %s 第 %d 行：%s", e.path, se.Line, se.Msg)
	case errors.As(e.err, &se):
		return fmt.Sprintf("配置文件 %s：%s", e.path, se.Msg)
	}
	return fmt.Sprintf("配置文件 %s：%s", e.path, apperr.Message(e.err))
}

func (e *fileError) Unwrap() error { return e.err }

// loadConfig reads the config file named by Config.ConfigFile, once, and
// builds the departments and the access policy. Subcommands that need
// access or department settings call it first.
func (m *Main) loadConfig() error {
	switch {
	case m.Config.policy != nil:
		return nil
	case m.Config.ConfigFile != "":
		return m.Config.ReadFile(m.Config.ConfigFile)
	}
	if err := m.Config.resolve(); err != nil {
		return errors.New(apperr.Message(err))
	}
	return nil
}
