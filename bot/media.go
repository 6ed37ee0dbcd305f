package bot

import (
	"context"
	"partybot/tickets"
)

// Location is a point a user shared, in WGS-84 (what Telegram sends).
type Location struct {
	Lat, Lng float64
}

// Media is a message that is not only text: photos (downloaded by the
// transport, each within MaxPhotoBytes), a shared location, or both, with
// the caption typed under them.
type Media struct {
	Photos   []File
	Location *Location
	Caption  string
}

// Venue is a place a reply shows on a map.
type Venue struct {
	Lat, Lng float64
	Title    string
	Address  string
}

// MaxPhotoBytes is the largest photo a report takes.
const MaxPhotoBytes = tickets.MaxPhotoBytes

// HandleMedia handles photos and a shared location. A location alone
// finds the nearest stations (of the service a question asked for), unless
// a 随手拍 report is waiting for its place; a photo adds to the report
// being put together, or begins one.
func (a *Assistant) HandleMedia(ctx context.Context, s *Session, m Media) (Reply, error) {
	live, _ := s.current(a.now())
	if len(m.Photos) == 0 && m.Location != nil && (live == nil || live.kind != stepReport) {
		service := ""
		if live != nil && live.kind == stepLocation {
			service = live.service
			s.end(live)
		}
		return a.nearby(*m.Location, service)
	}
	if len(m.Photos) == 0 && m.Location == nil {
		return Reply{Text: "目前只能处理文字、照片和位置。"}, nil
	}
	return a.reportMedia(ctx, s, live, m)
}
