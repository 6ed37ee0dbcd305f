package bot

import (
	"errors"
	"fmt"
)

// Error codes of outcomes the user sees.
const (
	EInvalid  = "invalid"
	ENotFound = "not_found"
	EInternal = "internal"
)

// Error is an outcome to show the user: a code and a Chinese message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is an *Error, EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err: its own for an
// *Error, a generic apology for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "抱歉，处理时出现内部错误，请稍后再试。"
}
