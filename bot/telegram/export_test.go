package telegram

import (
	"context"
	"net"
	"time"

	"github.com/go-telegram/bot/models"
)

// Test hooks.

// SetClock makes the server read time from now.
func (s *Server) SetClock(now func() time.Time) { s.now = now }

// SetWait replaces the pause before a 429 retry.
func (s *Server) SetWait(wait func(ctx context.Context, d time.Duration) error) { s.wait = wait }

// OnListening is called with the webhook listener's address.
func (s *Server) OnListening(fn func(net.Addr)) { s.listening = fn }

// ProcessUpdate hands u to the library's ProcessUpdate, which (with
// WithNotAsyncHandlers, and Run not on) handles it before returning.
func (s *Server) ProcessUpdate(ctx context.Context, u *models.Update) { s.bot.ProcessUpdate(ctx, u) }

// DieAfter makes the handling of an update for which dies returns true
// end, once handled, as if the process died there: neither done nor given
// back.
func (s *Server) DieAfter(dies func(u *models.Update) bool) { s.dies = dies }

// RecoverUpdates takes over the updates whose claim ran out before they
// were done, and handles them (at once when Run is not on).
func (s *Server) RecoverUpdates(ctx context.Context) (int, error) { return s.recoverUpdates(ctx) }

// Sessions is how many conversations the server keeps.
func (s *Server) Sessions() int { return s.people.len() }

// Exported for the tests of the package's parts.
var (
	UTF16Len   = utf16Len
	RenderHTML = renderHTML
)
