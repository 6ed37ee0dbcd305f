package telegram_test

import (
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUploadDocument: an admin sends a document and it joins the knowledge
// base; anyone else is refused politely and nothing is downloaded.
func TestUploadDocument(t *testing.T) {
	h := newHarness(t)
	doc := []byte("# 党费收缴办法\n\n党员应当按月缴纳党费，由党支部收缴。\n")
	h.api.mu.Lock()
	h.api.files["f1"] = doc
	h.api.mu.Unlock()
	send := func(from int64) *models.Update {
		u := h.say(from, "")
		u.Message.Document = &models.Document{FileID: "f1", FileUniqueID: "f1", FileName: "dangfei.md", FileSize: int64(len(doc))}
		return u
	}
	h.process(send(resident))
	assert.Contains(t, last(t, "refusal", h.api.snapshot()).Params["text"], "只有管理员", "resident's upload")
	h.api.mu.Lock()
	downloads := h.api.counts["getFile"]
	h.api.mu.Unlock()
	assert.Zero(t, downloads, "a refused upload was downloaded")
	h.process(send(admin))
	require.Contains(t, last(t, "upload reply", h.api.snapshot()).Params["text"], "已将", "admin's upload")
	h.process(h.say(resident, "党费由谁收缴？"))
	assert.Contains(t, last(t, "answer", h.api.snapshot()).Params["text"], "党费收缴办法", "answer does not cite the upload")
}
