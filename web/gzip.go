package web

import (
	"mime"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compressed wraps h so that the console's text — pages, JSON, CSS,
// scripts — goes gzip-compressed to clients that accept it. gzhttp
// (klauspost/compress) handles what a hand-written wrapper tends to get
// wrong: Accept-Encoding with q-values, Vary, small bodies left plain,
// Flush, and Content-Length. Only gzip: zstd would gain little on pages
// this size and is not understood by older browsers in district offices.
func compressed(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.EnableZstd(false), gzhttp.ContentTypeFilter(compressible))
	if err != nil {
		panic("web: gzip options: " + err.Error()) // the options are constants
	}
	return wrap(h)
}

// compressible reports whether a response of content type ct is worth
// compressing: text is; photos and .xlsx exports are compressed already,
// and a stream of events is left to reach the browser as it is written.
func compressible(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case mt == "text/event-stream":
		return false
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return mt == "application/json" || mt == "application/javascript"
}
