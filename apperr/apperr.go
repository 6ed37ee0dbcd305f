// Package apperr is partybot's one error type for outcomes a user sees: a
// code programs branch on, a message in Simplified Chinese for the user,
// and the cause, when there is one, for the log. Every layer may use it; it
// imports nothing of partybot.
//
// Return an *Error for an outcome the user must hear of (a ticket that does
// not exist, a text too long); return or wrap an ordinary error for
// anything else, which [Code] reports as [EInternal] and [Message] never
// shows. Adapters turn the code into a reply, an HTTP status or an exit
// status, and log only internal errors.
package apperr

import (
	"errors"
	"fmt"
)

// Codes of the outcomes a user sees.
const (
	// EConflict: the state does not allow the action, or it changed
	// meanwhile (someone else moved the ticket first).
	EConflict = "conflict"
	// EForbidden: the user may not see or do this.
	EForbidden = "forbidden"
	// EInternal: a bug or an I/O failure; logged. Only a message written for
	// the user is shown, never the text of a cause.
	EInternal = "internal"
	// EInvalid: bad input (empty or oversized text, an unknown department,
	// dates out of range).
	EInvalid = "invalid"
	// ENotFound: no such thing (ticket, document, notification).
	ENotFound = "not_found"
	// EReadOnly: the data cannot be changed (a read-only data directory).
	EReadOnly = "read_only"
	// ETooMany: the user did this too often lately.
	ETooMany = "too_many"
)

// internalMessage is what a user is told of an internal error.
const internalMessage = "抱歉，处理时出现内部错误，请稍后再试。"

// Error is an outcome to show the user: a code, a message and an optional
// cause. Error() returns the message, so that a wrapped Error still reads
// well; the cause is for errors.Is, errors.As and the log.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the user-facing message.
func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an [*Error] with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an [*Error] with code and a formatted message over cause.
func Wrap(cause error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Code returns the code of the [*Error] in err's chain: "" for nil and
// [EInternal] for any other error.
func Code(err error) string {
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

// Message returns the user-facing message of the [*Error] in err's chain
// (an EInternal one too: its message was written for the user, say an
// operator told how to recover a damaged file): "" for nil, and an apology
// for any other error, whose text must not reach users.
func Message(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e) && e.Message != "":
		return e.Message
	default:
		return internalMessage
	}
}
