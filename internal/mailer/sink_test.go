package mailer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink is a minimal SMTP server for tests: enough of RFC 5321 (EHLO/HELO,
// STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to receive what
// net/smtp sends, recording each delivered message.
type sink struct {
	ln         net.Listener
	tlsConfig  *tls.Config // offer STARTTLS when set
	auth       bool        // offer AUTH PLAIN (only after STARTTLS when tlsConfig is set)
	rejectRcpt bool        // answer RCPT with 550
	silent     bool        // accept connections and never speak

	got chan received
	wg  sync.WaitGroup
}

type received struct {
	from               string
	rcpt               []string
	data               string // after dot-unstuffing, LF line endings
	tls                bool
	authUser, authPass string
}

func startSink(t *testing.T, configure func(*sink)) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{ln: ln, got: make(chan received, 10)}
	if configure != nil {
		configure(s)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *sink) addr() string { return s.ln.Addr().String() }

func (s *sink) serve(conn net.Conn) {
	if s.silent {
		conn.Read(make([]byte, 1)) // until the client gives up
		return
	}
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 sink ESMTP") {
		return
	}
	var r received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"sink"}
			if s.tlsConfig != nil && !r.tls {
				ext = append(ext, "STARTTLS")
			}
			if s.auth && (s.tlsConfig == nil || r.tls) {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "HELO", "NOOP", "RSET":
			reply("250 ok")
		case "STARTTLS":
			if s.tlsConfig == nil || r.tls {
				reply("502 not now")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, s.tlsConfig)
			if tc.Handshake() != nil {
				return
			}
			tp, r.tls = textproto.NewConn(tc), true
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if !s.auth || mech != "PLAIN" || err != nil || len(parts) != 3 {
				reply("535 bad auth")
				continue
			}
			r.authUser, r.authPass = parts[1], parts[2]
			reply("235 ok")
		case "MAIL":
			r.from = strings.TrimSuffix(strings.TrimPrefix(arg, "FROM:<"), ">")
			reply("250 ok")
		case "RCPT":
			if s.rejectRcpt {
				reply("550 no such user")
				continue
			}
			r.rcpt = append(r.rcpt, strings.TrimSuffix(strings.TrimPrefix(arg, "TO:<"), ">"))
			reply("250 ok")
		case "DATA":
			reply("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			r.data = string(data)
			reply("250 queued")
			s.got <- r
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// selfSigned returns a server config for 127.0.0.1 and a client pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sink"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
