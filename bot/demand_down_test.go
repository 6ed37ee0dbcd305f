package bot_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
	"partybot/tickets"
)

// downStore is a ticket store whose database stops answering for filing.
type downStore struct {
	*tickets.Store
	down bool
}

func (d *downStore) CreateTicket(ctx context.Context, n tickets.NewTicket) (*tickets.Ticket, error) {
	if d.down {
		return nil, errors.New("dial tcp 10.0.0.5:5432: connect: connection refused")
	}
	return d.Store.CreateTicket(ctx, n)
}

// TestDemandWhileDatabaseDown: with the ticket database down a demand is
// refused in plain words and its draft kept; questions are still
// answered; once the database is back the same 提交 files it, once.
func TestDemandWhileDatabaseDown(t *testing.T) {
	f := newDeskFixture(t)
	ds := &downStore{Store: f.store, down: true}
	router := tickets.DefaultRouter()
	asst := bot.NewAssistant(bot.NewAnswerer(MustOpenKnowledgeBase(t)), bot.WithDesk(&bot.Desk{
		Store: ds, Extract: router.ExtractContext, Viewer: func(id string) tickets.Viewer { return tickets.Viewer{UserID: id} },
	}))
	ctx := context.Background()
	s := &bot.Session{User: bot.User{ID: "resident", Name: "张师傅"}}

	draft, err := asst.Handle(ctx, s, "/demand 老板拖欠我们快递员三个月工资了")
	require.NoError(t, err)
	ok := buttonData(draft, "提交")
	require.NotEmpty(t, ok)

	r, err := asst.Callback(ctx, s, ok)
	assert.Error(t, err, "the failure is returned for the log")
	assert.Contains(t, r.Text, "还没有提交")
	assert.Contains(t, r.Text, "草稿已保留")
	assert.NotContains(t, r.Text, "10.0.0.5", "no internals to the user")
	assert.Zero(t, f.count(t))

	other := &bot.Session{User: bot.User{ID: "clerk", Name: "王干事"}}
	ans, err := asst.Handle(ctx, other, "怎样落实“六同步”机制？")
	require.NoError(t, err)
	assert.Contains(t, ans.Text, "[1]", "questions are answered while the database is down")

	ds.down = false
	r, err = asst.Callback(ctx, s, ok)
	require.NoError(t, err)
	assert.Contains(t, r.Text, "诉求已提交")
	r, err = asst.Callback(ctx, s, ok)
	require.NoError(t, err)
	assert.Equal(t, 1, f.count(t), "a second press files nothing more")
}
