package mailer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultTimeout bounds one whole delivery (dial to QUIT) when the caller's
// context has no earlier deadline, so a stalled server cannot hold a request
// handler forever.
const DefaultTimeout = 30 * time.Second

// SMTP sends mail through one SMTP server, one connection per message.
// Invitations are rare, so pooling connections would buy nothing.
type SMTP struct {
	addr        string // host:port
	host        string // for TLS verification and PLAIN auth
	user, pass  string
	from        *mail.Address
	implicitTLS bool
	timeout     time.Duration

	// tlsConfig is a base TLS configuration; nil means the system roots.
	// Only tests set it, to trust their own certificate.
	tlsConfig *tls.Config
}

// NewSMTP configures an SMTP mailer from a URL:
//
//	smtp://user:pass@host:port?from=gatehouse@example.com&timeout=10s
//
// "smtp" connects in clear and upgrades with STARTTLS when the server offers
// it (default port 587); "smtps" speaks TLS from the start (default port
// 465). from is required. With a user, the mailer authenticates with PLAIN,
// which net/smtp refuses to do over an unencrypted connection except to
// localhost, so a password is never sent in clear across a network.
// Percent-encode special characters in the user and password.
func NewSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the whole URL, password included; don't pass it on.
		return nil, errors.New("mailer: SMTP URL does not parse")
	}
	// Errors below show the URL with u.Redacted(): it comes from
	// configuration, errors end up in logs, and the password must not.
	s := &SMTP{host: u.Hostname(), timeout: DefaultTimeout}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("mailer: URL %s: scheme must be smtp or smtps", u.Redacted())
	}
	if s.host == "" {
		return nil, fmt.Errorf("mailer: URL %s: no host", u.Redacted())
	}
	if u.Path != "" && u.Path != "/" || u.Opaque != "" || u.Fragment != "" {
		return nil, fmt.Errorf("mailer: URL %s: unexpected path or fragment", u.Redacted())
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("mailer: URL %s: query does not parse", u.Redacted())
	}
	for k := range q {
		if k != "from" && k != "timeout" {
			// Refusing unknown options catches typos such as "form=" at
			// start, instead of at the first invitation.
			return nil, fmt.Errorf("mailer: URL %s: unknown parameter %q (want from, timeout)", u.Redacted(), k)
		}
	}
	if q.Get("from") == "" {
		return nil, fmt.Errorf("mailer: URL %s: from=ADDRESS is required", u.Redacted())
	}
	if s.from, err = mail.ParseAddress(q.Get("from")); err != nil {
		return nil, fmt.Errorf("mailer: URL %s: from: %v", u.Redacted(), err)
	}
	if t := q.Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("mailer: URL %s: timeout %q: want a positive duration such as 10s", u.Redacted(), t)
		}
		s.timeout = d
	}
	return s, nil
}

// Send delivers msg. It returns when the server has accepted the message, or
// with an error when ctx ends, the timeout passes, or the server refuses.
func (s *SMTP) Send(ctx context.Context, msg Message) error {
	to, err := msg.check()
	if err != nil {
		return err
	}
	data := s.compose(msg, to, time.Now())

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.deliver(ctx, to.Address, data); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Connection deadlines come only from ctx, but the connection's
			// timer can beat the context's by a hair; let ctx catch up so the
			// caller sees context.DeadlineExceeded.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		if ctx.Err() != nil {
			// The I/O error is just the deadline we forced; say why.
			return fmt.Errorf("mailer: sending to %s via %s: %w", to.Address, s.addr, ctx.Err())
		}
		return fmt.Errorf("mailer: sending to %s via %s: %w", to.Address, s.addr, err)
	}
	return nil
}

func (s *SMTP) tls() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.tlsConfig != nil {
		cfg = s.tlsConfig.Clone()
	}
	cfg.ServerName = s.host
	return cfg
}

func (s *SMTP) deliver(ctx context.Context, rcpt string, data []byte) error {
	var conn net.Conn
	var err error
	if s.implicitTLS {
		conn, err = (&tls.Dialer{Config: s.tls()}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = new(net.Dialer).DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return err
	}
	// net/smtp has no context support: a deadline on the connection bounds
	// every read and write, and cancelling ctx moves it to the past so a
	// blocked exchange fails at once.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls()); err != nil {
				return err
			}
		}
	}
	if s.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("server offers no AUTH, but the URL has a user")
		}
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	// Close sends the final "." and returns the server's verdict on the
	// message; only after it is the mail accepted.
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// compose renders msg as an RFC 5322 message. The body is quoted-printable so
// any UTF-8 text and any line length survive every relay; the subject is
// RFC 2047-encoded when it is not plain ASCII.
func (s *SMTP) compose(msg Message, to *mail.Address, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", messageID(s.from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(msg.Body)) // writes to a bytes.Buffer cannot fail
	qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// messageID makes a unique Message-ID in the sender's domain; some spam
// filters penalise mail without one.
func messageID(from string) string {
	var r [12]byte
	rand.Read(r[:])
	domain := "gatehouse.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
