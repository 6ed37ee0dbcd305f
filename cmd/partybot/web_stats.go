package main

import (
	"context"
	"sync"
	"time"

	"partybot/points"
	"partybot/push"
	"partybot/web"
)

// webPlatform is where the console's statistics get the points' and
// notices' figures, as "tickets stats" does: from the points ledger and
// the push store, opened at the first request that needs them and kept
// open until Close.
func (m *Main) webPlatform() web.PlatformFunc {
	var mu sync.Mutex
	var ledger *points.Store
	var ps *push.Store
	open := func(ctx context.Context) (*points.Store, *push.Store, error) {
		mu.Lock()
		defer mu.Unlock()
		var err error
		if ledger == nil {
			if ledger, err = m.openPoints(ctx); err != nil {
				return nil, nil, err
			}
		}
		if ps == nil {
			if ps, err = m.openPush(ctx); err != nil {
				return nil, nil, err
			}
		}
		return ledger, ps, nil
	}
	return func(ctx context.Context, from, to time.Time) (*web.PlatformFigures, error) {
		l, p, err := open(ctx)
		if err != nil {
			return nil, err
		}
		return countPlatform(ctx, l, p, from, to)
	}
}
