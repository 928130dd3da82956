// Package fault gives errors a code that says whose fault they are and how
// a client should react. The HTTP layer maps each code to one status in one
// place; everything below it only picks a code.
package fault

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Code classifies an error.
type Code uint8

const (
	Internal        Code = iota // our fault; details stay in the log
	Invalid                     // malformed input (400)
	Unauthenticated             // no or bad credentials (401)
	Forbidden                   // authenticated, not allowed (403)
	NotFound                    // unknown, or belonging to another org (404)
	Conflict                    // duplicate, last owner, seat limit (409)
	Unprocessable               // well-formed but invalid values (422)
	TooManyRequests             // slow down (429)
	Unavailable                 // try again later (503)
)

var names = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not_found", "conflict", "unprocessable", "too_many_requests", "unavailable"}

func (c Code) String() string {
	if int(c) < len(names) {
		return names[c]
	}
	return "internal"
}

// Error is an error with a code and a message safe to show to the client.
type Error struct {
	Code       Code
	Msg        string
	RetryAfter time.Duration // for TooManyRequests and Unavailable
	ExistingID string        // for a Conflict over a duplicate: the one that exists
	Err        error         // the cause, for logs and errors.Is
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error with a code and a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap gives err a code, keeping its text as the client message.
func Wrap(code Code, err error) *Error {
	return &Error{Code: code, Msg: err.Error(), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal if none.
func CodeOf(err error) Code {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return Internal
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var fe *Error
	ok := errors.As(err, &fe)
	return fe, ok
}

// HTTPStatus is the one place that maps a code to an HTTP status; the API
// and the console both answer with it.
func (c Code) HTTPStatus() int {
	switch c {
	case Invalid:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Unprocessable:
		return http.StatusUnprocessableEntity
	case TooManyRequests:
		return http.StatusTooManyRequests
	case Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
