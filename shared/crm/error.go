package crm

import (
	"errors"
	"fmt"
)

// Code classifies an error so that callers can branch on it.
type Code string

// The error codes. Handlers map them to HTTP statuses in one table
// (shared/ccai).
const (
	// Invalid: the input can never succeed as sent.
	Invalid Code = "invalid"
	// NotFound: the account or record does not exist.
	NotFound Code = "not_found"
	// Unavailable: a dependency failed in a way that a retry may fix.
	Unavailable Code = "unavailable"
	// Unauthorized: missing or wrong credentials.
	Unauthorized Code = "unauthorized"
	// Forbidden: the caller is known but not allowed (an email's sender).
	Forbidden Code = "forbidden"
	// TooLarge: the request body is over the limit.
	TooLarge Code = "too_large"
	// UnsupportedMediaType: the request body is of a type the endpoint does not take.
	UnsupportedMediaType Code = "unsupported_media_type"
	// TooManyRequests: the client is locked out for a while.
	TooManyRequests Code = "too_many_requests"
	// MethodNotAllowed: the endpoint does not answer that HTTP method.
	MethodNotAllowed Code = "method_not_allowed"
	// Conflict: the request contradicts what is stored (a session that
	// another record holds); a retry cannot help.
	Conflict Code = "conflict"
	// Internal: a bug.
	Internal Code = "internal"
)

// Error is an error with a Code and a message that may be shown to the
// API client.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, for logs; never shown to clients
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of the first *Error in err's chain, Internal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the client-facing message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
