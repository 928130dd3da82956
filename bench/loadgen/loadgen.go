// Package loadgen is a small closed-loop HTTP/1.1 load generator: each
// connection sends a prepared request, reads the whole response, checks it
// and sends the next, like `wrk -cN`. Requests are raw bytes prepared in
// advance and responses are parsed by hand, so the generator spends little
// of the CPU it shares with the server under test.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Request is one prepared request and the judge of its response.
type Request struct {
	Raw []byte // the whole HTTP/1.1 request
	// Check judges a response: ok false counts an error (unexpected
	// status), right false a wrong answer. Nil accepts any 2xx.
	Check func(status int, body []byte) (ok, right bool)
}

// Build prepares a request with a JSON body.
func Build(method, path, host, token string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
	if token != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", token)
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// Config is one run.
type Config struct {
	Addr     string
	Conns    int
	Duration time.Duration
	// Next returns the request a connection sends as its i-th.
	Next func(conn, i int) *Request
}

// Result is what a run measured.
type Result struct {
	Requests int
	Errors   int // failed requests: transport errors and unexpected statuses
	Wrong    int // answered, but not as the reference says
	Elapsed  time.Duration
	PerSec   float64
	P50, P99 time.Duration
	Max      time.Duration
	FirstErr string
}

// Run drives cfg.Conns connections for cfg.Duration.
func Run(ctx context.Context, cfg Config) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	type part struct {
		lat         []time.Duration
		errs, wrong int
		firstErr    string
	}
	parts := make([]part, cfg.Conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range cfg.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[c]
			p.lat = make([]time.Duration, 0, 1<<14)
			var conn net.Conn
			var rd *bufio.Reader
			fail := func(err error) {
				p.errs++
				if p.firstErr == "" {
					p.firstErr = err.Error()
				}
				if conn != nil {
					conn.Close()
					conn = nil
				}
			}
			for i := 0; ctx.Err() == nil; i++ {
				if conn == nil {
					var err error
					conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", cfg.Addr)
					if err != nil {
						if ctx.Err() == nil {
							fail(err)
							time.Sleep(10 * time.Millisecond)
						}
						continue
					}
					rd = bufio.NewReaderSize(conn, 64<<10)
				}
				req := cfg.Next(c, i)
				t0 := time.Now()
				conn.SetDeadline(t0.Add(30 * time.Second))
				if _, err := conn.Write(req.Raw); err != nil {
					fail(err)
					continue
				}
				status, body, closeConn, err := readResponse(rd)
				el := time.Since(t0)
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					continue
				}
				p.lat = append(p.lat, el)
				ok, right := status/100 == 2, true
				if req.Check != nil {
					ok, right = req.Check(status, body)
				}
				if !ok {
					fail(fmt.Errorf("status %d: %.200s", status, body))
				} else if !right {
					p.wrong++
				}
				if closeConn && conn != nil {
					conn.Close()
					conn = nil
				}
			}
			if conn != nil {
				conn.Close()
			}
		}()
	}
	wg.Wait()
	r := Result{Elapsed: time.Since(start)}
	var all []time.Duration
	for _, p := range parts {
		all = append(all, p.lat...)
		r.Errors += p.errs
		r.Wrong += p.wrong
		if r.FirstErr == "" {
			r.FirstErr = p.firstErr
		}
	}
	r.Requests = len(all)
	if len(all) == 0 {
		return r, errors.New("no request completed: " + r.FirstErr)
	}
	slices.Sort(all)
	r.P50, r.P99, r.Max = all[len(all)/2], all[min(len(all)-1, len(all)*99/100)], all[len(all)-1]
	r.PerSec = float64(len(all)) / r.Elapsed.Seconds()
	return r, nil
}

// readResponse reads one response: status, body (Content-Length or
// chunked) and whether the server will close the connection.
func readResponse(rd *bufio.Reader) (status int, body []byte, closeConn bool, err error) {
	line, err := rd.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	for {
		h, err := rd.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "content-length"):
			length, err = strconv.Atoi(string(v))
			if err != nil {
				return 0, nil, false, fmt.Errorf("bad content-length %q", v)
			}
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = bytes.Contains(bytes.ToLower(v), []byte("chunked"))
		case asciiEqualFold(k, "connection"):
			closeConn = bytes.EqualFold(v, []byte("close"))
		}
	}
	switch {
	case chunked:
		var out []byte
		for {
			l, err := rd.ReadSlice('\n')
			if err != nil {
				return 0, nil, false, err
			}
			l = bytes.TrimRight(l, "\r\n")
			if i := bytes.IndexByte(l, ';'); i >= 0 {
				l = l[:i]
			}
			n, err := strconv.ParseInt(string(l), 16, 64)
			if err != nil {
				return 0, nil, false, fmt.Errorf("bad chunk size %q", l)
			}
			if n == 0 {
				// trailers, then the empty line
				for {
					t, err := rd.ReadSlice('\n')
					if err != nil {
						return 0, nil, false, err
					}
					if len(bytes.TrimRight(t, "\r\n")) == 0 {
						return status, out, closeConn, nil
					}
				}
			}
			start := len(out)
			out = append(out, make([]byte, n)...)
			if _, err := io.ReadFull(rd, out[start:]); err != nil {
				return 0, nil, false, err
			}
			if _, err := rd.Discard(2); err != nil {
				return 0, nil, false, err
			}
		}
	case length >= 0:
		body = make([]byte, length)
		_, err = io.ReadFull(rd, body)
		return status, body, closeConn, err
	case status == 204 || status == 304 || status/100 == 1:
		return status, nil, closeConn, nil
	default:
		body, err = io.ReadAll(rd)
		return status, body, true, err
	}
}

func asciiEqualFold(b []byte, s string) bool { return bytes.EqualFold(b, []byte(s)) }

// Allowed finds `"allowed": true|false` in a JSON body (protojson may put
// a space after the colon).
func Allowed(body []byte) (allowed, found bool) {
	i := bytes.Index(body, []byte(`"allowed"`))
	if i < 0 {
		return false, false
	}
	rest := bytes.TrimLeft(body[i+len(`"allowed"`):], " \t\r\n:")
	switch {
	case bytes.HasPrefix(rest, []byte("true")):
		return true, true
	case bytes.HasPrefix(rest, []byte("false")):
		return false, true
	}
	return false, false
}
