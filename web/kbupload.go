package web

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"partybot/apperr"
	"partybot/knowledge"
	"partybot/tickets"
)

// Limits of one upload. A file's own limit is the loaders'
// ([knowledge.MaxFileSize]); a file over it is read to its end (to say
// how large it is) but not kept, and the others of the batch go on.
const (
	// maxUploadFiles is the most files one upload takes.
	maxUploadFiles = 50
	// maxUploadBody is the largest upload request: room for a few files
	// at the loaders' limit.
	maxUploadBody = 4*knowledge.MaxFileSize + 1<<20
	maxFileMB     = knowledge.MaxFileSize >> 20
	uploadFormats = ".txt、.md、.docx、.html、.pdf、.xlsx"
)

// uploadRow is what became of one uploaded file, as the page and the API
// report it.
type uploadRow struct {
	File     string   `json:"file"`           // the name it was sent with
	Name     string   `json:"name,omitempty"` // the document's name in the knowledge base
	Status   string   `json:"status"`         // KBAdded, KBUpdated, KBUnchanged, KBDuplicate or KBFailed
	Message  string   `json:"message"`        // in Chinese
	Warnings []string `json:"warnings,omitempty"`
}

// Label is the status in Chinese.
func (u uploadRow) Label() string {
	return map[string]string{KBAdded: "新增", KBUpdated: "更新", KBUnchanged: "未变", KBDuplicate: "重复", KBFailed: "失败"}[u.Status]
}

// uploadReport is the report of an upload: a row per file, in the order
// sent, and the counts.
type uploadReport struct {
	Files  []uploadRow    `json:"files"`
	Counts map[string]int `json:"counts"`
	// Pushed is how many policy notices were queued for subscribers.
	Pushed int `json:"pushed"`
	// Error, when set, is why nothing was imported (the writer lock).
	Error string `json:"error,omitempty"`
}

// received is a file of the upload kept in a temporary folder until it is
// ingested.
type received struct {
	row  int // its row in the report
	name string
	path string
	sum  string
}

// upload reads the multipart upload of r into dir, ingests what it can
// and reports on every file. Returns an error only when the request is
// not an upload at all or the knowledge base fails inside.
func (s *Server) upload(ctx context.Context, w http.ResponseWriter, r *http.Request, dir string) (*uploadReport, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, apperr.Errorf(apperr.EInvalid, "请用 multipart/form-data 表单上传文件（字段名 files）。")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apperr.Wrap(err, apperr.EInvalid, "上传的表单无法读取，请重新选择文件上传。")
	}
	rep := &uploadReport{Counts: map[string]int{}}
	files := s.receive(mr, dir, rep)
	if len(rep.Files) == 0 {
		return nil, apperr.Errorf(apperr.EInvalid, "没有收到文件，请选择要上传的文件。")
	}
	s.dedupe(files, rep)
	var todo []KBFile
	var rows []int
	for _, f := range files {
		if rep.Files[f.row].Status != "" {
			continue
		}
		path := f.path
		todo = append(todo, KBFile{Name: f.name, Read: func() ([]byte, error) { return os.ReadFile(path) }})
		rows = append(rows, f.row)
	}
	if len(todo) > 0 {
		results, pushed, err := s.kb.Ingest(ctx, todo)
		switch {
		case err == nil:
			rep.Pushed = pushed
			for i, res := range results {
				if i < len(rows) {
					fill(&rep.Files[rows[i]], res)
				}
			}
		case apperr.Code(err) == apperr.EInternal:
			return nil, err
		default: // the writer lock: nothing changed
			rep.Error = apperr.Message(err) + "。本次上传的文件均未导入。"
			for _, i := range rows {
				rep.Files[i].Status, rep.Files[i].Message = KBFailed, "未导入："+apperr.Message(err)
			}
		}
	}
	for _, f := range rep.Files {
		rep.Counts[f.Status]++
	}
	return rep, nil
}

// receive reads the upload's files into dir, adding a row for each to
// rep; the files it returns are those read whole, within the limits.
func (s *Server) receive(mr *multipart.Reader, dir string, rep *uploadReport) []received {
	var files []received
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			rep.Files = append(rep.Files, uploadRow{File: "（其余文件）", Status: KBFailed, Message: bodyError(err)})
			return files
		}
		file := part.FileName()
		if file == "" {
			part.Close() // another form field
			continue
		}
		row := uploadRow{File: file, Name: s.kb.UploadName(file)}
		f, msg := s.receiveOne(part, dir, len(rep.Files), row.Name)
		part.Close()
		if msg != "" {
			row.Status, row.Message = KBFailed, msg
		}
		rep.Files = append(rep.Files, row)
		if f != nil {
			files = append(files, *f)
		}
		if strings.HasPrefix(msg, bodyTooLarge) {
			return files
		}
	}
}

// receiveOne reads one file of the upload into dir; it returns the file
// kept, or why it was not.
func (s *Server) receiveOne(part *multipart.Part, dir string, row int, name string) (*received, string) {
	switch {
	case row >= maxUploadFiles:
		return nil, fmt.Sprintf("一次最多上传 %d 个文件，本文件未导入，请分批上传。", maxUploadFiles)
	case !knowledge.Supported(name):
		_, err := knowledge.Load(name, nil)
		return nil, knowledge.Message(err)
	}
	out, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		s.logger.Error("web kb upload", "err", err)
		return nil, "服务器无法暂存上传的文件，请稍后再试。"
	}
	defer out.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(part, knowledge.MaxFileSize+1))
	if err == nil && n > knowledge.MaxFileSize {
		var rest int64
		rest, err = io.Copy(io.Discard, part) // how large it is
		if err == nil {
			return nil, knowledge.Message(knowledge.CheckSize(name, n+rest))
		}
	}
	if err != nil {
		return nil, bodyError(err)
	}
	return &received{row: row, name: name, path: out.Name(), sum: hex.EncodeToString(h.Sum(nil))}, ""
}

// bodyTooLarge opens the message of an upload over maxUploadBody.
const bodyTooLarge = "上传内容总量超过"

// bodyError explains why reading the upload failed.
func bodyError(err error) string {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return fmt.Sprintf("%s %d MB，本文件及之后的文件未收到，请分批上传。", bodyTooLarge, maxUploadBody>>20)
	}
	return "上传中断，本文件及之后的文件未收到，请重新上传。"
}

// dedupe marks the files that repeat another: a name or content sent
// earlier in the batch, or content the knowledge base already holds under
// another name. Each real document goes in once.
func (s *Server) dedupe(files []received, rep *uploadReport) {
	held := map[string]KBDocument{}
	for _, d := range s.kb.Documents() {
		if _, ok := held[d.SHA256]; !ok {
			held[d.SHA256] = d
		}
	}
	names, sums := map[string]string{}, map[string]string{}
	for _, f := range files {
		row := &rep.Files[f.row]
		switch prev, dupName := names[f.name]; {
		case dupName:
			row.Message = "与本次上传的“" + prev + "”同名，未重复导入。"
		case sums[f.sum] != "":
			row.Message = "与本次上传的“" + sums[f.sum] + "”内容相同，未重复导入。"
		case held[f.sum].Name != "" && held[f.sum].Name != f.name:
			d := held[f.sum]
			row.Message = "知识库中已有内容相同的文档“" + cmp.Or(d.Title, d.Name) + "”（" + d.Name + "），未重复导入。"
		default:
			names[f.name], sums[f.sum] = row.File, row.File
			continue
		}
		row.Status = KBDuplicate
	}
}

// fill reports res in row.
func fill(row *uploadRow, res KBResult) {
	row.Status, row.Warnings = res.Status, res.Warnings
	switch res.Status {
	case KBAdded:
		row.Message = "已加入知识库。"
	case KBUpdated:
		row.Message = "已更新知识库中的同名文档。"
	case KBUnchanged:
		row.Message = "知识库中已有这个文档，内容没有变化。"
	default:
		row.Status, row.Message = KBFailed, cmp.Or(knowledge.Message(res.Err), "无法导入。")
	}
}

// withUploadDir runs fn with a new temporary folder, removed after.
func (s *Server) withUploadDir(fn func(dir string) error) error {
	dir, err := os.MkdirTemp("", "partybot-upload-")
	if err != nil {
		return fmt.Errorf("upload dir: %w", err)
	}
	defer os.RemoveAll(dir)
	return fn(filepath.Clean(dir))
}

// kbUploadPost serves POST /kb/upload: the upload form's files, and the
// page again with the report.
func (s *Server) kbUploadPost(w http.ResponseWriter, r *http.Request, v tickets.Viewer) {
	rep, err := s.keeperUpload(w, r, v)
	if err != nil {
		s.kbErrorPage(w, r, v, err)
		return
	}
	d := s.kbView(v, nil) // after the upload: the documents added are listed
	d.Report = rep
	s.render(w, http.StatusOK, "kb.html", d)
}

// keeperUpload is an upload by v, who must be a keeper.
func (s *Server) keeperUpload(w http.ResponseWriter, r *http.Request, v tickets.Viewer) (*uploadReport, error) {
	if s.kb == nil {
		return nil, errNoKB
	}
	if !mayKeep(v) {
		return nil, errNotKeep
	}
	var rep *uploadReport
	err := s.withUploadDir(func(dir string) error {
		var err error
		rep, err = s.upload(r.Context(), w, r, dir)
		return err
	})
	if err == nil {
		s.logger.Info("web kb upload", "user", v.UserID, "files", len(rep.Files), "added", rep.Counts[KBAdded], "updated", rep.Counts[KBUpdated])
	}
	return rep, err
}
