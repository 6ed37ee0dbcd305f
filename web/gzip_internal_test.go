package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompressible(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		want bool
	}{
		{"text/html; charset=utf-8", true},
		{"text/css", true},
		{"application/json; charset=utf-8", true},
		{"application/javascript", true},
		{"image/svg+xml", true},
		{"application/problem+json", true},
		{"image/png", false},
		{"image/jpeg", false},
		{"application/octet-stream", false},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false},
		{"text/event-stream", false},
		{"", false},
		{";;bad", false},
	} {
		t.Run(tc.ct, func(t *testing.T) {
			assert.Equal(t, tc.want, compressible(tc.ct))
		})
	}
}
