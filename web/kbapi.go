package web

import (
	"encoding/json"
	"io"
	"net/http"

	"partybot/apperr"
	"partybot/tickets"
)

// KBDocumentList is the body of GET /api/v1/kb/documents.
type KBDocumentList struct {
	Total     int          `json:"total"`
	Passages  int          `json:"passages"`
	Documents []KBDocument `json:"documents"`
}

// apiKBDocuments serves GET /api/v1/kb/documents: every document, by name.
func (s *Server) apiKBDocuments(r *http.Request, v tickets.Viewer) (any, error) {
	if s.kb == nil {
		return nil, errNoKB
	}
	docs := s.documents()
	out := KBDocumentList{Total: len(docs), Documents: docs}
	for _, d := range docs {
		out.Passages += d.Passages
	}
	return out, nil
}

// apiKBUpload serves POST /api/v1/kb/documents (multipart, files in
// "files"): the report of every file. A file that fails is reported, not
// an error of the request; the request fails (409) only when the
// knowledge base was busy past the wait and nothing was imported.
func (s *Server) apiKBUpload(r *http.Request, v tickets.Viewer) (any, error) {
	rep, err := s.keeperUpload(nil, r, v)
	if err != nil {
		return nil, err
	}
	if rep.Error != "" {
		return nil, apperr.Errorf(apperr.EConflict, "%s", rep.Error)
	}
	return rep, nil
}

// KBRemoved is the body of DELETE /api/v1/kb/documents/{id}.
type KBRemoved struct {
	Removed []string `json:"removed"`
}

// apiKBRemove serves DELETE /api/v1/kb/documents/{id} (and POST
// …/{id}/remove): the document is removed at once; an API client confirms
// by calling.
func (s *Server) apiKBRemove(r *http.Request, v tickets.Viewer) (any, error) {
	doc, err := s.keptDocument(r, v)
	if err != nil {
		return nil, err
	}
	removed, err := s.kb.Remove(r.Context(), []string{doc.Name})
	if err != nil {
		return nil, err
	}
	s.logger.Info("web kb remove", "user", v.UserID, "document", doc.Name)
	return KBRemoved{Removed: removed}, nil
}

// apiKBHits serves POST /api/v1/kb/hits {"question"}: the 命中测试.
func (s *Server) apiKBHits(r *http.Request, v tickets.Viewer) (any, error) {
	if s.kb == nil {
		return nil, errNoKB
	}
	var in struct {
		Question string `json:"question"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, apperr.Wrap(err, apperr.EInvalid, `请求内容应为 JSON 对象 {"question": "……"}`)
	}
	return s.hitTest(r.Context(), in.Question)
}
