package bot

import (
	"context"
	"log/slog"
	"time"
)

// defaultWatchEvery is Watch's interval when it is given none.
const defaultWatchEvery = 15 * time.Second

// Watch refreshes the knowledge base every interval ([KnowledgeBase.Refresh])
// until ctx ends, so that a replica serves what another process ingested
// into the shared data directory or removed from it. It logs each switch
// to a newer generation, and a failure once until it changes or clears;
// after a failure the index served stays. An interval of 0 or less means
// 15 seconds; a nil log, no logging.
func (kb *KnowledgeBase) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = defaultWatchEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	failing := "" // the failure logged last
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := kb.Refresh(ctx)
		if ctx.Err() != nil {
			return
		}
		failing = kb.logRefresh(log, changed, err, failing)
	}
}

// logRefresh logs what a refresh of Watch did, unless it failed as the
// one before did (failing), and returns the failure to compare the next
// with.
func (kb *KnowledgeBase) logRefresh(log *slog.Logger, changed bool, err error, failing string) string {
	gen, n, _ := kb.Ready()
	switch {
	case err != nil && err.Error() != failing:
		log.Warn("knowledge base refresh failed; serving the index loaded", "dir", kb.dir, "generation", gen, "passages", n, "err", err)
		return err.Error()
	case err != nil:
		return failing
	case changed:
		log.Info("knowledge base refreshed", "dir", kb.dir, "generation", gen, "passages", n)
	case failing != "":
		log.Info("knowledge base refresh works again", "dir", kb.dir, "generation", gen)
	}
	return ""
}

// Ready reports the generation and the number of passages of the index
// served, read together, for a readiness check; ok is false for a nil
// knowledge base or an index without passages. The generation is that of
// the index saved in the data directory (0 for one kept only in memory);
// a replica's grows as [KnowledgeBase.Watch] picks up other processes'
// changes.
func (kb *KnowledgeBase) Ready() (gen uint64, passages int, ok bool) {
	if kb == nil {
		return 0, 0, false
	}
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	n := kb.idx.Len()
	return kb.idx.Generation(), n, n > 0
}
