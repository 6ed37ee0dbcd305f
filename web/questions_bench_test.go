package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"partybot/feedback"
	"partybot/web"
)

// BenchmarkQuestions100k serves the question log's first page over
// 100,000 logged answers (a third of them refused, over 3,000 distinct
// questions, spread over 90 days), knowledge gaps included, and reports
// the page's size; then with the refused and 👎 filters; then a first
// view, which groups the gaps afresh.
func BenchmarkQuestions100k(b *testing.B) {
	e, fb := newQAEnv(b, nil, false)
	fillLog(b, fb, 100_000)
	sid := e.signIn(b, "tg:admin")
	srv := web.NewServer(e.auth, e.tickets, viewer, "", nil, web.WithQuestionLog(fb))
	for _, path := range []string{"/questions", "/questions?refused=true&vote=down"} {
		b.Run(strings.TrimPrefix(path, "/questions"), func(b *testing.B) {
			benchPage(b, srv, func() *http.Request { return httptestRequest(b, path, sid) })
		})
	}
	// The gaps are kept a minute: a new server groups them afresh, as
	// the first view of the page does.
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			w := newDiscard()
			web.NewServer(e.auth, e.tickets, viewer, "", nil, web.WithQuestionLog(fb)).ServeHTTP(w, httptestRequest(b, "/questions", sid))
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	})
}

// fillLog records n answers in fb, the newest now, one every 77 seconds
// back (about 90 days for 100,000): every third refused, the others citing
// three passages of the chunker's size; a twentieth voted down.
func fillLog(tb testing.TB, fb *feedback.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now()
	passage := string([]rune(strings.Repeat("各党支部要落实“三会一课”制度，按期召开支部党员大会、支委会和党小组会，", 5))[:150])
	channels := []string{feedback.ChannelTelegram, feedback.ChannelWeb, feedback.ChannelTerminal}
	for i := range n {
		at := now.Add(-time.Duration(i) * 77 * time.Second)
		fb.SetNow(func() time.Time { return at })
		a := feedback.Answer{UserID: fmt.Sprint(i % 500), Channel: channels[i%3], Mode: "extractive"}
		if i%3 == 0 {
			a.Question = fmt.Sprintf("第%d号快递驿站的饮水机坏了找谁报修？", i%3000)
			a.Refused, a.Outcome = true, "refused"
		} else {
			a.Question = fmt.Sprintf("支部党员大会多久开一次？（第 %d 问）", i)
			a.Outcome = "answered"
			for k := range 3 {
				a.Sources = append(a.Sources, feedback.Source{ID: fmt.Sprint(k), Title: "党支部工作条例", Source: "条例.docx", Text: passage})
			}
		}
		id, err := fb.RecordAnswer(ctx, a)
		require.NoError(tb, err)
		if i%20 == 1 {
			require.NoError(tb, fb.Vote(ctx, id, a.UserID, feedback.Down))
		}
	}
	fb.SetNow(time.Now)
}
