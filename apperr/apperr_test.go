package apperr_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"

	"partybot/apperr"
)

func TestCodeAndMessage(t *testing.T) {
	notFound := apperr.Errorf(apperr.ENotFound, "工单 %s 不存在", "2026-000001")
	wrapped := fmt.Errorf("find ticket: %w", notFound)
	cause := apperr.Wrap(fs.ErrPermission, apperr.EReadOnly, "数据目录只读")
	internal := apperr.Wrap(errors.New("disk on fire"), apperr.EInternal, "工单库 %s 已损坏，请从备份恢复", "tickets.db")
	for _, tc := range []struct {
		name      string
		err       error
		code, msg string
	}{
		{"nil", nil, "", ""},
		{"coded", notFound, apperr.ENotFound, "工单 2026-000001 不存在"},
		{"wrapped", wrapped, apperr.ENotFound, "工单 2026-000001 不存在"},
		{"with cause", cause, apperr.EReadOnly, "数据目录只读"},
		{"plain error", errors.New("sql: connection reset"), apperr.EInternal, "抱歉，处理时出现内部错误，请稍后再试。"},
		{"internal with a message for the user", internal, apperr.EInternal, "工单库 tickets.db 已损坏，请从备份恢复"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.code, apperr.Code(tc.err))
			assert.Equal(t, tc.msg, apperr.Message(tc.err))
		})
	}
	assert.ErrorIs(t, cause, fs.ErrPermission, "the cause is reachable")
	assert.Equal(t, "find ticket: 工单 2026-000001 不存在", wrapped.Error())
}
