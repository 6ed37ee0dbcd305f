package bot

import "time"

// SetClock makes the assistant read the time from now (tests only).
func (a *Assistant) SetClock(now func() time.Time) { a.now = now }
