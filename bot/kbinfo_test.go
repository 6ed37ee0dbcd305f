package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"partybot/bot"
)

func TestCatalog(t *testing.T) {
	kb := open(t, t.TempDir(), bot.KnowledgeBaseOptions{})
	c := bot.NewCatalog(kb)
	shipped := len(c.Documents())
	require.Positive(t, shipped)
	ingestOne(t, kb, "/docs/通知.txt", "中共某区委社会工作部文件\n区社工发〔2026〕7号\n关于设立骑手驿站的通知\n\n骑手驿站应当配备饮水机。\n\n2026年3月9日\n")

	docs := c.Documents()
	require.Len(t, docs, shipped+1)
	var got bot.DocumentEntry
	for _, d := range docs {
		if d.Name == "/docs/通知.txt" {
			got = d
		} else {
			assert.True(t, d.Shipped, d.Name)
			assert.True(t, d.Added.IsZero(), "shipped: no time added")
			assert.Positive(t, d.Passages, d.Name)
		}
	}
	assert.Equal(t, "关于设立骑手驿站的通知", got.Title)
	assert.Equal(t, "区社工发〔2026〕7号", got.DocNumber)
	assert.Equal(t, "2026-03-09", got.Date)
	assert.Equal(t, 1, got.Passages)
	assert.False(t, got.Added.IsZero())
	assert.Len(t, got.Hash, 64)

	_, err := kb.Remove(context.Background(), []string{"/docs/通知.txt"}, nil)
	require.NoError(t, err)
	assert.Len(t, c.Documents(), shipped)
}

func TestUploadDocName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"通知.txt", "upload/通知.txt"},
		{"../../etc/passwd.txt", "upload/passwd.txt"},
		{`C:\Users\a\意见.docx`, "upload/意见.docx"},
		{"", "upload/未命名文档.txt"},
	} {
		assert.Equal(t, tc.want, bot.UploadDocName(tc.in), tc.in)
	}
}

// BenchmarkCatalog lists a knowledge base of 1,000 ingested documents:
// "cold" reads every document's 文号 and date once (the first listing
// after start), "warm" is every listing after.
func BenchmarkCatalog(b *testing.B) {
	kb := open(b, b.TempDir(), bot.KnowledgeBaseOptions{})
	var srcs []bot.Source
	for i := range 1000 {
		text := fmt.Sprintf("中共某区委社会工作部文件\n区社工发〔2026〕%d号\n关于做好第%d项新就业群体服务工作的通知\n\n%s\n\n2026年3月9日\n",
			i, i, strings.Repeat(fmt.Sprintf("第%d项工作应当按期办结，做到件件有回音。", i), 40))
		srcs = append(srcs, source(fmt.Sprintf("/docs/%04d.txt", i), text))
	}
	_, err := kb.Ingest(context.Background(), srcs, bot.IngestOptions{})
	require.NoError(b, err)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			if n := len(bot.NewCatalog(kb).Documents()); n < 1000 {
				b.Fatalf("%d documents", n)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		c := bot.NewCatalog(kb)
		c.Documents()
		for b.Loop() {
			c.Documents()
		}
	})
}
