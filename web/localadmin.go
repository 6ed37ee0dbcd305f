package web

import "partybot/tickets"

// WithAdmin makes userID an administrator of the console, whatever the
// server's [ViewerFunc] says of them. "partybot web" uses it for its local
// administrator when no administrator is configured and only this machine
// can reach the console.
func WithAdmin(userID string) Option {
	return func(s *Server) {
		viewer := s.viewer
		s.viewer = func(id string) tickets.Viewer {
			if id == userID && userID != "" {
				v := viewer(id)
				v.Admin = true
				return v
			}
			return viewer(id)
		}
	}
}
