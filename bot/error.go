package bot

import (
	"errors"
	"fmt"
)

// Error codes. They are few on purpose: each one maps to one HTTP status at the
// webhook edge and to one kind of polite reply in chat.
const (
	EINVALID      = "invalid"      // the input is malformed; the reply says how to fix it
	ENOTFOUND     = "not_found"    // the thing named does not exist
	EFORBIDDEN    = "forbidden"    // the person may not do this; the reply says why
	ECONFLICT     = "conflict"     // the change clashes with the current state (e.g. a status transition)
	EUNAUTHORIZED = "unauthorized" // the request could not be authenticated (bad signature, stale timestamp)
	ETOOLARGE     = "too_large"    // a payload over the accepted size
	EUNAVAILABLE  = "unavailable"  // not done now, and certainly not done: try again (the store is too slow)
	EINTERNAL     = "internal"     // anything else; never shown in detail to users
)

// ErrAlreadyHandled is returned when an event was processed by someone else
// first; it is an expected outcome, not a failure.
var ErrAlreadyHandled = &Error{Code: ECONFLICT, Text: T("That was handled already.", "已经处理过了。")}

// ErrUnavailable is returned for work given up before it was stored (a
// unit abandoned because the store did not take it in time): nothing of it
// happened, so the caller may send it again.
var ErrUnavailable = &Error{Code: EUNAVAILABLE, Text: T("Tandem is busy and did not take that in time; nothing was done. Please try again.",
	"Tandem 正忙，未能及时处理，本次操作没有生效。请重试。")}

// Error is Tandem's one domain error. Its Text is safe to show to users and comes
// in both languages, so the edge can answer in the person's language.
type Error struct {
	Code string
	Text Text
}

// Error implements the error interface with the English text.
func (e *Error) Error() string { return e.Code + ": " + e.Text.EN }

// Errorf returns an *Error with the given code and a message in English and
// Chinese. Both formats receive the same args.
func Errorf(code, en, zh string, args ...any) *Error {
	return &Error{Code: code, Text: Tf(en, zh, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorText returns the user-facing text of err. Errors that are not *Error are
// internal: their details stay in the logs and users see a generic sentence.
func ErrorText(err error) Text {
	var e *Error
	if errors.As(err, &e) {
		return e.Text
	}
	return T("Sorry, something went wrong on our side. The team has been told; please try again shortly.",
		"抱歉，系统内部出错了，已记录，请稍后再试。")
}

// wrapf adds context to an internal error while keeping it matchable.
func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Err returns an *Error with a prepared Text, for sentences whose arguments
// differ by language (a status label, say).
func Err(code string, t Text) *Error { return &Error{Code: code, Text: t} }
