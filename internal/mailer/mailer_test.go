package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

const acceptLink = "https://gatehouse.example.com/accept?token=gsi_4fJ9kQ2mZx7LwP0aB3cD5eF6gH8iJ1kL2mN3oP4qR5s"

var invitation = Message{
	To:      "Ann Lee <ann@example.com>",
	Subject: "Invitation à rejoindre acme",
	Body: "Hello,\n\nYou were invited to acme. Accept here:\n" + acceptLink + "\n" +
		".a line starting with a dot\n" + strings.Repeat("long ", 60) + "\n",
}

func receive(t *testing.T, s *sink) received {
	t.Helper()
	select {
	case r := <-s.got:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("sink received nothing")
		return received{}
	}
}

// checkDelivered decodes what the sink got as a mail client would and
// compares it to msg.
func checkDelivered(t *testing.T, r received, msg Message) {
	t.Helper()
	if len(r.rcpt) != 1 || r.rcpt[0] != "ann@example.com" {
		t.Errorf("RCPT %q, want [ann@example.com]", r.rcpt)
	}
	if r.from != "gatehouse@example.com" {
		t.Errorf("MAIL FROM %q", r.from)
	}
	m, err := mail.ReadMessage(strings.NewReader(r.data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, r.data)
	}
	if to, err := mail.ParseAddress(m.Header.Get("To")); err != nil || to.Address != "ann@example.com" || to.Name != "Ann Lee" {
		t.Errorf("To header %q", m.Header.Get("To"))
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil || subj != msg.Subject {
		t.Errorf("Subject %q decodes to %q, %v", m.Header.Get("Subject"), subj, err)
	}
	for _, h := range []string{"Date", "Message-ID", "From"} {
		if m.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	raw, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(raw), "\r\n", "\n")
	if body != msg.Body {
		t.Errorf("body:\n%q\nwant:\n%q", body, msg.Body)
	}
	if !strings.Contains(body, acceptLink) {
		t.Errorf("body lacks the accept link")
	}
	for _, line := range strings.Split(r.data, "\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters on the wire", len(line))
		}
	}
}

func TestSMTPPlain(t *testing.T) {
	s := startSink(t, nil)
	m, err := NewSMTP("smtp://" + s.addr() + "?from=gatehouse@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), invitation); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := receive(t, s)
	checkDelivered(t, r, invitation)
	if r.tls || r.authUser != "" {
		t.Errorf("tls %v, auth user %q; want neither", r.tls, r.authUser)
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	s := startSink(t, func(s *sink) { s.tlsConfig, s.auth = serverTLS, true })
	m, err := NewSMTP("smtp://mailer:p%40ss%3Aword@" + s.addr() + "?from=gatehouse@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m.tlsConfig = &tls.Config{RootCAs: roots}
	if err := m.Send(context.Background(), invitation); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := receive(t, s)
	checkDelivered(t, r, invitation)
	if !r.tls || r.authUser != "mailer" || r.authPass != "p@ss:word" {
		t.Errorf("tls %v, auth %q:%q; want STARTTLS then mailer:p@ss:word", r.tls, r.authUser, r.authPass)
	}
}

// An untrusted certificate must stop delivery, not fall back to clear text.
func TestSMTPStartTLSUntrusted(t *testing.T) {
	serverTLS, _ := selfSigned(t)
	s := startSink(t, func(s *sink) { s.tlsConfig = serverTLS })
	m, err := NewSMTP("smtp://" + s.addr() + "?from=gatehouse@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), invitation); err == nil {
		t.Fatal("Send succeeded over an untrusted certificate")
	}
}

func TestSMTPFailures(t *testing.T) {
	cases := []struct {
		name      string
		configure func(*sink)
		user      string
		ctx       func() (context.Context, context.CancelFunc)
		want      error // checked with errors.Is when set
	}{
		{name: "recipient refused", configure: func(s *sink) { s.rejectRcpt = true }},
		{name: "user but no AUTH offered", user: "mailer:pw@"},
		{name: "server silent past deadline", configure: func(s *sink) { s.silent = true },
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			want: context.DeadlineExceeded},
		{name: "cancelled while waiting", configure: func(s *sink) { s.silent = true },
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
				return ctx, cancel
			},
			want: context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startSink(t, c.configure)
			m, err := NewSMTP("smtp://" + c.user + s.addr() + "?from=gatehouse@example.com")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if c.ctx != nil {
				ctx, cancel = c.ctx()
			}
			defer cancel()
			start := time.Now()
			err = m.Send(ctx, invitation)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("Send = %v, want %v", err, c.want)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("Send took %v", time.Since(start))
			}
			if strings.Contains(err.Error(), "pw") && c.user != "" {
				t.Fatalf("error %q leaks the password", err)
			}
		})
	}
}

func TestSMTPTimeoutParameter(t *testing.T) {
	s := startSink(t, func(s *sink) { s.silent = true })
	m, err := NewSMTP("smtp://" + s.addr() + "?from=gatehouse@example.com&timeout=150ms")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), invitation); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want deadline exceeded", err)
	}
}

func TestNewSMTPURL(t *testing.T) {
	cases := []struct {
		url      string
		ok       bool
		addr     string
		implicit bool
		user     string
		from     string
		timeout  time.Duration
	}{
		{url: "smtp://mail.example.com?from=gatehouse@example.com", ok: true, addr: "mail.example.com:587", from: "gatehouse@example.com", timeout: DefaultTimeout},
		{url: "smtp://u:p@mail.example.com:25/?from=Gatehouse+%3Cgh@example.com%3E", ok: true, addr: "mail.example.com:25", user: "u", from: "gh@example.com", timeout: DefaultTimeout},
		{url: "smtps://u@mail.example.com?from=gh@example.com&timeout=5s", ok: true, addr: "mail.example.com:465", implicit: true, user: "u", from: "gh@example.com", timeout: 5 * time.Second},
		{url: "smtp://[::1]:2525?from=gh@example.com", ok: true, addr: "[::1]:2525", from: "gh@example.com", timeout: DefaultTimeout},
		{url: "smtp://mail.example.com"},                                    // no from
		{url: "smtp://mail.example.com?from=not-an-address"},                // bad from
		{url: "http://mail.example.com?from=gh@example.com"},                // scheme
		{url: "smtp://?from=gh@example.com"},                                // no host
		{url: "smtp://mail.example.com/x?from=gh@example.com"},              // path
		{url: "smtp://mail.example.com?from=gh@example.com&form=x"},         // unknown parameter
		{url: "smtp://mail.example.com?from=gh@example.com&timeout=soon"},   // bad timeout
		{url: "smtp://mail.example.com?from=gh@example.com&timeout=-1s"},    // negative timeout
		{url: "smtp://u:secret@mail.example.com:bad?from=gh@example.com"},   // bad port
		{url: "smtp://u:secret@mail.example.com?from=gh@example.com&x=%zz"}, // bad query
		{url: "mail.example.com"},
		{url: ":"},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			s, err := NewSMTP(c.url)
			if !c.ok {
				if err == nil {
					t.Fatal("NewSMTP succeeded")
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error %q leaks the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			if s.addr != c.addr || s.implicitTLS != c.implicit || s.user != c.user || s.from.Address != c.from || s.timeout != c.timeout {
				t.Fatalf("got addr %q implicit %v user %q from %q timeout %v", s.addr, s.implicitTLS, s.user, s.from.Address, s.timeout)
			}
		})
	}
}

func TestInvalidMessage(t *testing.T) {
	cases := []Message{
		{To: "", Subject: "s", Body: "b"},
		{To: "not an address", Subject: "s", Body: "b"},
		{To: "a@example.com, b@example.com", Subject: "s", Body: "b"},
		{To: "a@example.com\r\nBcc: evil@example.com", Subject: "s", Body: "b"},
		{To: "a@example.com", Subject: "hi\r\nBcc: evil@example.com", Body: "b"},
		{To: "a@example.com", Subject: "hi\nthere", Body: "b"},
	}
	// No server: a bad message must be refused before any connection.
	smtpMailer, err := NewSMTP("smtp://127.0.0.1:1?from=gh@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []Mailer{smtpMailer, NewLog(slog.New(slog.DiscardHandler))} {
		for _, msg := range cases {
			if err := m.Send(context.Background(), msg); !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("%T.Send(%+v) = %v, want ErrInvalidMessage", m, msg, err)
			}
		}
	}
}

func TestNewPicksMailer(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	for _, u := range []string{"", "  "} {
		m, err := New(u, logger)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.(*Log); !ok {
			t.Fatalf("New(%q) = %T, want *Log", u, m)
		}
	}
	m, err := New("smtp://mail.example.com?from=gh@example.com", logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*SMTP); !ok {
		t.Fatalf("New(smtp URL) = %T, want *SMTP", m)
	}
	if _, err := New("ftp://x", logger); err == nil {
		t.Fatal("New(ftp URL) succeeded")
	}
	if m := NewLog(nil); m.logger == nil {
		t.Fatal("NewLog(nil) has no logger")
	}
}

func TestLogMailer(t *testing.T) {
	var buf bytes.Buffer
	m, _ := New("", slog.New(slog.NewJSONHandler(&buf, nil)))
	if err := m.Send(context.Background(), invitation); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Level, To, Subject, Body string
	}
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	if rec.Level != "INFO" || rec.To != "ann@example.com" || rec.Subject != invitation.Subject || rec.Body != invitation.Body {
		t.Fatalf("logged %+v", rec)
	}
	if !strings.Contains(rec.Body, acceptLink) {
		t.Fatal("accept link not logged")
	}
}
