package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"partybot/apperr"
	"partybot/retrieval"
	"partybot/tickets"
)

// KnowledgeBase is what the 知识库 page needs of the knowledge base. The
// command adapts the assistant's ([bot.KnowledgeBase], its catalog and
// its answerer) to it.
type KnowledgeBase interface {
	// Documents lists the documents held, by name.
	Documents() []KBDocument
	// UploadName is the name an uploaded file is kept under.
	UploadName(file string) string
	// Ingest adds the files, as chat uploads are added (the same loaders,
	// limits and writer lock), and returns one result per file, in order,
	// and how many policy notices were queued for subscribers. Returns an
	// [*apperr.Error] (EConflict) when the writer lock cannot be had.
	Ingest(ctx context.Context, files []KBFile) ([]KBResult, int, error)
	// Remove takes the ingested documents named out and returns their
	// names. Returns ENotFound for a name not held or shipped.
	Remove(ctx context.Context, names []string) ([]string, error)
	// HitTest retrieves passages for question and judges it as the
	// assistant does (answered, partial or refused). Returns EInvalid for
	// a question the assistant would not take (empty, too long).
	HitTest(ctx context.Context, question string) (HitTest, error)
}

// KBDocument is a document of the knowledge base.
type KBDocument struct {
	ID        string     `json:"id"` // [DocumentID] of Name
	Name      string     `json:"name"`
	Title     string     `json:"title"`
	DocNumber string     `json:"doc_number,omitempty"` // 文号
	Date      string     `json:"date,omitempty"`       // YYYY-MM-DD
	Passages  int        `json:"passages"`
	Shipped   bool       `json:"shipped"` // 内置: cannot be removed
	Added     *time.Time `json:"added,omitempty"`
	SHA256    string     `json:"sha256"`
}

// KBFile is an uploaded file to ingest.
type KBFile struct {
	Name string // as the KnowledgeBase's UploadName names it
	Read func() ([]byte, error)
}

// KB result statuses, as [KBResult.Status] and the API say them.
const (
	KBAdded     = "added"
	KBUpdated   = "updated"
	KBUnchanged = "skipped"
	KBDuplicate = "duplicate"
	KBFailed    = "failed"
)

// KBResult is what became of one uploaded file.
type KBResult struct {
	Name     string // the document's name
	Status   string // KBAdded, KBUpdated, KBUnchanged or KBFailed
	Err      error  // why it failed: a loader error ([knowledge.Message])
	Warnings []string
}

// HitTest is the 命中测试 of a question: the passages retrieved, best
// first, and the assistant's judgement of them.
type HitTest struct {
	Question string `json:"question"`
	// Outcome is "answered", "partial" or "refused"; partial counts as
	// refused, as in ask --json.
	Outcome string `json:"outcome"`
	Refused bool   `json:"refused"`
	// Missing is what was asked and not found, for partial.
	Missing string `json:"missing,omitempty"`
	// Reason says in Chinese why the assistant answers or refuses.
	Reason string `json:"reason"`
	// JudgedBy is "offline" or "model".
	JudgedBy string `json:"judged_by"`
	// MinCoverage is the least coverage a passage needs to speak of the
	// question at all.
	MinCoverage float64 `json:"min_coverage"`
	// Answer is the reply the assistant would give.
	Answer string          `json:"answer"`
	Hits   []retrieval.Hit `json:"hits"`
}

// WithKnowledgeBase serves the 知识库 page and /api/v1/kb over kb.
// Without it they answer that the console has no knowledge base.
func WithKnowledgeBase(kb KnowledgeBase) Option { return func(s *Server) { s.kb = kb } }

// kbRoutes adds the routes of the 知识库 page and its API to mux.
func (s *Server) kbRoutes(mux *http.ServeMux) {
	mux.Handle("GET /kb", s.page(s.kbPage))
	mux.Handle("POST /kb/upload", s.page(s.kbUploadPost))
	mux.Handle("GET /kb/documents/{id}/remove", s.page(s.kbConfirmPage))
	mux.Handle("POST /kb/documents/{id}/remove", s.page(s.kbRemovePost))
	mux.Handle("GET /api/v1/kb/documents", s.api(s.apiKBDocuments))
	mux.Handle("POST /api/v1/kb/documents", s.api(s.apiKBUpload))
	mux.Handle("DELETE /api/v1/kb/documents/{id}", s.api(s.apiKBRemove))
	mux.Handle("POST /api/v1/kb/documents/{id}/remove", s.api(s.apiKBRemove))
	mux.Handle("POST /api/v1/kb/hits", s.api(s.apiKBHits))
}

// DocumentID is the id of the document named name in URLs and the API: a
// document's name may hold slashes (an ingested file's path).
func DocumentID(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:8])
}

// mayKeep reports whether v may change the knowledge base: as with /kb in
// the chat, administrators only.
func mayKeep(v tickets.Viewer) bool { return v.Admin }

var (
	errNoKB     = apperr.Errorf(apperr.ENotFound, "工作台未接入知识库。")
	errNotKeep  = apperr.Errorf(apperr.EForbidden, "只有管理员可以向知识库添加或移除文档。")
	errNoDoc    = apperr.Errorf(apperr.ENotFound, "知识库中没有这个文档，可能已被移除。")
	errShipped  = apperr.Errorf(apperr.EInvalid, "内置资料不能移除。")
	errNoSearch = apperr.Errorf(apperr.EInvalid, "问题中没有可以检索的文字（只有标点或符号），请输入要测试的问题。")
)

// documents lists the knowledge base's documents with their ids.
func (s *Server) documents() []KBDocument {
	docs := s.kb.Documents()
	for i := range docs {
		docs[i].ID = DocumentID(docs[i].Name)
	}
	return docs
}

// findDocument returns the document of the path's {id}.
func (s *Server) findDocument(r *http.Request) (KBDocument, error) {
	id := r.PathValue("id")
	for _, d := range s.documents() {
		if d.ID == id {
			return d, nil
		}
	}
	return KBDocument{}, errNoDoc
}

// hitTest checks question and tests it against the knowledge base.
func (s *Server) hitTest(ctx context.Context, question string) (HitTest, error) {
	q := strings.TrimSpace(question)
	if q == "" {
		return HitTest{}, apperr.Errorf(apperr.EInvalid, "问题是空的，请输入要测试的问题。")
	}
	if !strings.ContainsFunc(q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
		return HitTest{}, errNoSearch
	}
	h, err := s.kb.HitTest(ctx, q)
	if err != nil {
		return HitTest{}, err
	}
	if h.Hits == nil {
		h.Hits = []retrieval.Hit{}
	}
	h.Reason = reason(h)
	return h, nil
}

// reason says why the assistant answers or refuses h's question.
func reason(h HitTest) string {
	best := 0.0
	for _, hit := range h.Hits {
		best = max(best, hit.Coverage)
	}
	switch {
	case h.Outcome == "answered":
		return "会回答：检索到的段落讲到了问题所问的内容，助手会引用这些段落作答。"
	case h.Outcome == "partial":
		return fmt.Sprintf("会拒答（部分命中）：知识库讲到了问题的主题，但没有说明%s；助手会指出缺少的内容并建议提交诉求。", cmp.Or(h.Missing, "所问的内容"))
	case len(h.Hits) == 0:
		return "会拒答：知识库中没有检索到任何相关段落。"
	case best < h.MinCoverage:
		return fmt.Sprintf("会拒答：最相关段落只覆盖了问题的 %.0f%%，低于作答所需的 %.0f%%。知识库可能缺少这方面的文档。", best*100, h.MinCoverage*100)
	default:
		return "会拒答：段落与问题字面相近，但没有一段讲到问题所问的主题（主题词或所问事项未出现）。知识库可能缺少这方面的文档。"
	}
}

// kbData is the 知识库 page's template data.
type kbData struct {
	viewData
	Keeper    bool
	Docs      []kbRow
	Passages  int
	Imported  int
	Flash     string
	Error     string
	Report    *uploadReport
	Question  string
	Hit       *HitTest
	HitRows   []hitRow
	HitError  string
	MaxFileMB int
	Formats   string

	Total, Matched, Page, Pages int
	DocQuery, Prev, Next        string
}

// hitRow is a passage of the 命中测试 as the page shows it.
type hitRow struct {
	retrieval.Hit
	Bar   int    // the coverage bar's width in pixels
	Brief string // the passage's start
}

// kbPageSize is how many documents a page of the list shows.
const kbPageSize = 100

type kbRow struct {
	KBDocument
	AddedAt string
}

// kbPage serves GET /kb?q=: the documents, the forms of a keeper and the
// 命中测试 of q.
func (s *Server) kbPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	if s.kb == nil {
		s.kbErrorPage(w, r, v, errNoKB)
		return
	}
	d := s.kbView(v, r.URL.Query())
	if c, err := r.Cookie(kbFlashCookie); err == nil {
		d.Flash, _ = url.QueryUnescape(c.Value)
		http.SetCookie(w, &http.Cookie{Name: kbFlashCookie, Value: "", Path: "/kb", MaxAge: -1, HttpOnly: true})
	}
	status := http.StatusOK
	if q, asked := r.URL.Query()["q"]; asked {
		d.Question = strings.Join(q, " ")
		h, err := s.hitTest(r.Context(), d.Question)
		if err != nil {
			status = s.pageStatus(r, err)
			d.HitError = apperr.Message(err)
		} else {
			d.Hit = &h
			for _, hit := range h.Hits {
				d.HitRows = append(d.HitRows, hitRow{hit, int(hit.Coverage * 80), clip(hit.Text, 60)})
			}
		}
	}
	s.render(w, status, "kb.html", d)
}

// kbView is the page's data before any form: who sees it, and page ?page=
// of the documents that match ?doc=.
func (s *Server) kbView(v tickets.Viewer, q url.Values) kbData {
	d := kbData{viewData: viewData{"知识库", v.UserID, v.Admin}, Keeper: mayKeep(v),
		MaxFileMB: maxFileMB, Formats: uploadFormats, DocQuery: strings.TrimSpace(q.Get("doc")), Page: 1}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		d.Page = n
	}
	var match []KBDocument
	for _, doc := range s.documents() {
		d.Total++
		d.Passages += doc.Passages
		if !doc.Shipped {
			d.Imported++
		}
		if d.DocQuery == "" || strings.Contains(doc.Title+"\x00"+doc.Name+"\x00"+doc.DocNumber, d.DocQuery) {
			match = append(match, doc)
		}
	}
	d.Matched = len(match)
	d.Pages = max(1, (len(match)+kbPageSize-1)/kbPageSize)
	d.Page = min(d.Page, d.Pages)
	for _, doc := range match[min((d.Page-1)*kbPageSize, len(match)):min(d.Page*kbPageSize, len(match))] {
		at := "内置"
		if doc.Added != nil {
			at = formatTime(*doc.Added)
		} else if !doc.Shipped {
			at = "—"
		}
		d.Docs = append(d.Docs, kbRow{doc, at})
	}
	link := func(page int) string {
		u := url.Values{}
		if d.DocQuery != "" {
			u.Set("doc", d.DocQuery)
		}
		if page > 1 {
			u.Set("page", strconv.Itoa(page))
		}
		if e := u.Encode(); e != "" {
			return "/kb?" + e + "#docs"
		}
		return "/kb#docs"
	}
	d.Prev, d.Next = pagerLinks(d.Page, d.Pages, link)
	return d
}

// pageStatus is the HTTP status of err on a page, logging it when it is
// internal.
func (s *Server) pageStatus(r *http.Request, err error) int {
	if status, ok := statuses[apperr.Code(err)]; ok {
		return status
	}
	s.logger.Error("web page", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError
}

// kbFlashCookie carries the message the 知识库 page shows once after a
// removal.
const kbFlashCookie = "partybot_kb_flash"

// confirmData is the removal's confirmation page's data.
type confirmData struct {
	viewData
	Doc   kbRow
	Error string
}

// kbConfirmPage serves GET /kb/documents/{id}/remove: what is about to be
// removed, and the form that removes it.
func (s *Server) kbConfirmPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	doc, err := s.keptDocument(r, v)
	if err != nil {
		s.kbErrorPage(w, r, v, err)
		return
	}
	s.renderConfirm(w, http.StatusOK, v, doc, "")
}

func (s *Server) renderConfirm(w http.ResponseWriter, status int, v tickets.Viewer, doc KBDocument, msg string) {
	at := "—"
	if doc.Added != nil {
		at = formatTime(*doc.Added)
	}
	s.render(w, status, "kb_remove.html", confirmData{viewData{"移除文档", v.UserID, v.Admin}, kbRow{doc, at}, msg})
}

// keptDocument returns the document of the path's {id} for a keeper to
// remove: EForbidden for anyone else, EInvalid for a shipped document.
func (s *Server) keptDocument(r *http.Request, v tickets.Viewer) (KBDocument, error) {
	if s.kb == nil {
		return KBDocument{}, errNoKB
	}
	if !mayKeep(v) {
		return KBDocument{}, errNotKeep
	}
	doc, err := s.findDocument(r)
	if err == nil && doc.Shipped {
		err = errShipped
	}
	return doc, err
}

// kbRemovePost serves POST /kb/documents/{id}/remove: with confirm=yes it
// removes the document and goes back to the list with a message; without
// it, it asks again.
func (s *Server) kbRemovePost(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	doc, err := s.keptDocument(r, v)
	if err != nil {
		s.kbErrorPage(w, r, v, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.kbErrorPage(w, r, v, apperr.Wrap(err, apperr.EInvalid, "表单内容无效或过长"))
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.renderConfirm(w, http.StatusBadRequest, v, doc, "请勾选“确认移除”后再提交。")
		return
	}
	if _, err := s.kb.Remove(r.Context(), []string{doc.Name}); err != nil {
		if _, known := statuses[apperr.Code(err)]; !known {
			s.kbErrorPage(w, r, v, err)
			return
		}
		s.renderConfirm(w, s.pageStatus(r, err), v, doc, apperr.Message(err))
		return
	}
	s.logger.Info("web kb remove", "user", v.UserID, "document", doc.Name)
	msg := "已从知识库移除“" + cmp.Or(doc.Title, doc.Name) + "”。"
	http.SetCookie(w, &http.Cookie{Name: kbFlashCookie, Value: url.QueryEscape(msg), Path: "/kb",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure || r.TLS != nil})
	http.Redirect(w, r, "/kb", http.StatusSeeOther)
}

// kbErrorPage writes the page of err for the 知识库 pages, as errorPage
// does for tickets.
func (s *Server) kbErrorPage(w http.ResponseWriter, r *http.Request, v tickets.Viewer, err error) {
	status, msg := s.pageStatus(r, err), apperr.Message(err)
	if status == http.StatusInternalServerError {
		msg = "服务器内部错误，请稍后再试。"
	}
	s.render(w, status, "error.html", struct {
		viewData
		Message string
	}{viewData{"知识库", v.UserID, v.Admin}, msg})
}
