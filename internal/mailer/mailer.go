// Package mailer delivers the few emails Gatehouse sends, invitations above
// all. Production points it at an SMTP server; with none configured the
// messages go to the log, so a self-hosted trial can still hand out the
// accept link without any mail setup.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
)

// Message is one plain-text email to one recipient.
type Message struct {
	To      string // an address, optionally with a display name: "Ann <ann@example.com>"
	Subject string
	Body    string // plain text; "\n" line endings are fine
}

// Mailer sends messages. Implementations are safe for concurrent use.
type Mailer interface {
	Send(ctx context.Context, msg Message) error
}

// ErrInvalidMessage reports a message that no mailer would send: a bad
// recipient address, or a subject that could smuggle extra headers.
var ErrInvalidMessage = errors.New("mailer: invalid message")

// New returns the mailer rawURL describes: an empty string gives a Log
// mailer writing to logger; "smtp://" or "smtps://" URLs give an SMTP mailer
// (see NewSMTP). A nil logger means slog.Default().
func New(rawURL string, logger *slog.Logger) (Mailer, error) {
	if strings.TrimSpace(rawURL) == "" {
		return NewLog(logger), nil
	}
	return NewSMTP(rawURL)
}

// check validates msg the same way for every mailer, so a message the log
// mailer accepts in development is one SMTP accepts in production.
func (msg Message) check() (*mail.Address, error) {
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %v", ErrInvalidMessage, msg.To, err)
	}
	// A newline in a header value would start a new header (header injection).
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return nil, fmt.Errorf("%w: subject contains a line break", ErrInvalidMessage)
	}
	return to, nil
}

// Log is the mailer used when no SMTP server is configured: it writes each
// message, body and links included, to a logger at Info level. The body is
// logged in full on purpose: it is how an operator without mail gets the
// invitation link to the invitee.
type Log struct {
	logger *slog.Logger
}

// NewLog returns a Log mailer; a nil logger means slog.Default().
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{logger: logger}
}

// Send logs msg.
func (l *Log) Send(ctx context.Context, msg Message) error {
	to, err := msg.check()
	if err != nil {
		return err
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "mail not sent: no SMTP server configured; message follows",
		slog.String("to", to.Address),
		slog.String("subject", msg.Subject),
		slog.String("body", msg.Body),
	)
	return nil
}
