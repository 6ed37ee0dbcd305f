package telegram_test

import (
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
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
	if r := last(t, "refusal", h.api.snapshot()); !strings.Contains(r.Params["text"], "只有管理员") {
		t.Fatalf("resident's upload: %q", r.Params["text"])
	}
	h.api.mu.Lock()
	downloads := h.api.counts["getFile"]
	h.api.mu.Unlock()
	if downloads != 0 {
		t.Fatal("a refused upload was downloaded")
	}
	h.process(send(admin))
	if r := last(t, "upload reply", h.api.snapshot()); !strings.Contains(r.Params["text"], "已将") {
		t.Fatalf("admin's upload: %q", r.Params["text"])
	}
	h.process(h.say(resident, "党费由谁收缴？"))
	if r := last(t, "answer", h.api.snapshot()); !strings.Contains(r.Params["text"], "党费收缴办法") {
		t.Fatalf("answer does not cite the upload: %q", r.Params["text"])
	}
}
