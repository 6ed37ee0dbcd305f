package tickets

import (
	"errors"
	"fmt"
)

// Error codes for outcomes the user sees. The bot and the command line turn
// the code into a reply or an exit status; only EInternal is logged.
const (
	EConflict  = "conflict"  // the ticket's state does not allow the action, or it changed meanwhile
	EForbidden = "forbidden" // the viewer may not see or touch the ticket
	EInternal  = "internal"  // a bug or an I/O failure
	EInvalid   = "invalid"   // bad input: empty or oversized text, unknown department, bad dates
	ENotFound  = "not_found" // no such ticket
	EReadOnly  = "read_only" // the store is read-only (its data directory is not writable)
	ETooMany   = "too_many"  // the submitter filed too many tickets lately
)

// Error is an error with a code and a message for the user (Simplified
// Chinese). Error() returns the message, so a wrapped Error still reads well.
type Error struct {
	Code    string
	Message string
}

// Error returns the user-facing message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an [*Error] with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the [*Error] in err's chain: "" for a nil
// error and [EInternal] for any other error.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EInternal
	}
}

// ErrorMessage returns the user-facing message of the [*Error] in err's
// chain, or a generic message for internal errors, which must not reach users.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "内部错误，请稍后重试或联系管理员。"
	}
}

// ErrClosed is returned by a [Store] used after Close.
var ErrClosed = errors.New("tickets: store closed")
