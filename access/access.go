// Package access decides who may use partybot and with which rights: the
// open or allowlist mode, the administrators, the allowed users, the staff
// of each department (from the departments' staff lists) and how many
// demands one user may file through chat in an hour.
package access

import (
	"fmt"
	"slices"
	"strings"

	"partybot/strictyaml"
	"partybot/tickets"
)

// Modes of access.
const (
	// Open lets anyone use the bot (the default).
	Open = "open"
	// Allowlist lets only the allowed users, admins and department staff
	// use the bot.
	Allowlist = "allowlist"
)

// DefaultTicketsPerHour is the cap of Config.TicketsPerHour in open mode
// when it is not set.
const DefaultTicketsPerHour = 5

// Config is the "access" section of the config file.
type Config struct {
	// Mode is Open ("" too) or Allowlist.
	Mode         string   `yaml:"mode"`
	Admins       []string `yaml:"admins"`
	AllowedUsers []string `yaml:"allowed_users"`
	// TicketsPerHour caps the demands one user may file through chat in
	// any hour, so that department chats cannot be flooded; 0 means no
	// cap. Unset (nil): DefaultTicketsPerHour in open mode, no cap in
	// allowlist mode.
	TicketsPerHour *int `yaml:"tickets_per_hour"`
}

// Validate checks c. Returns a [*strictyaml.Error] whose Key is the
// setting at fault ("mode", "admins[1]"), for [strictyaml.Document.Locate].
func (c Config) Validate() error {
	switch c.Mode {
	case "", Open, Allowlist:
	default:
		return strictyaml.Errorf("mode", "access.mode 应为 open 或 allowlist，而不是 %q", c.Mode)
	}
	if n := c.TicketsPerHour; n != nil && *n < 0 {
		return strictyaml.Errorf("tickets_per_hour", "access.tickets_per_hour 不能为负数（0 表示不限）")
	}
	for _, list := range []struct {
		key string
		ids []string
	}{{"admins", c.Admins}, {"allowed_users", c.AllowedUsers}} {
		for i, id := range list.ids {
			if strings.TrimSpace(id) == "" {
				return strictyaml.Errorf(fmt.Sprintf("%s[%d]", list.key, i), "access.%s 中的用户 id 不能为空", list.key)
			}
		}
	}
	return nil
}

// Policy answers who may do what. It is safe for concurrent use.
type Policy struct {
	allowlist      bool
	admins         []string
	allowed        []string
	staff          map[string][]string // user id → department keys, in order
	ticketsPerHour int
}

// New returns the policy of c over the departments ds, whose staff lists
// say who is staff of which. Returns the error of [Config.Validate].
func New(c Config, ds []tickets.Department) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	p := &Policy{
		allowlist: c.Mode == Allowlist,
		admins:    slices.Clone(c.Admins),
		allowed:   slices.Clone(c.AllowedUsers),
		staff:     map[string][]string{},
	}
	for _, d := range ds {
		for _, id := range d.Staff {
			if !slices.Contains(p.staff[id], d.Key) {
				p.staff[id] = append(p.staff[id], d.Key)
			}
		}
	}
	switch {
	case c.TicketsPerHour != nil:
		p.ticketsPerHour = *c.TicketsPerHour
	case !p.allowlist:
		p.ticketsPerHour = DefaultTicketsPerHour
	}
	return p, nil
}

// Mode returns Open or Allowlist.
func (p *Policy) Mode() string {
	if p.allowlist {
		return Allowlist
	}
	return Open
}

// Admins returns the administrators' user ids.
func (p *Policy) Admins() []string { return slices.Clone(p.admins) }

// IsAdmin reports whether userID administers the bot.
func (p *Policy) IsAdmin(userID string) bool {
	return userID != "" && slices.Contains(p.admins, userID)
}

// Viewer returns what userID may see of tickets: everything as an admin,
// the tickets of every department whose staff list names them, and their
// own.
func (p *Policy) Viewer(userID string) tickets.Viewer {
	v := tickets.Viewer{UserID: userID, Admin: p.IsAdmin(userID)}
	if userID != "" {
		v.Departments = slices.Clone(p.staff[userID])
	}
	return v
}

// Allowed reports whether userID may use the bot: anyone in open mode; in
// allowlist mode the allowed users, admins and department staff.
func (p *Policy) Allowed(userID string) bool {
	if !p.allowlist {
		return true
	}
	if userID == "" {
		return false
	}
	return p.IsAdmin(userID) || len(p.staff[userID]) > 0 || slices.Contains(p.allowed, userID)
}

// TicketsPerHour is the cap on the demands one user may file through chat
// in an hour, 0 for none.
func (p *Policy) TicketsPerHour() int { return p.ticketsPerHour }
