package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

func TestRunAgainstHTTPServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			w.(http.Flusher).Flush() // forces chunked encoding
			fmt.Fprintf(w, `{"allowed": %v}`, strings.Contains(string(b), "yes"))
		case "/fail":
			w.WriteHeader(500)
		default:
			fmt.Fprintf(w, `{"allowed":%v}`, strings.Contains(string(b), "yes"))
		}
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().(*net.TCPAddr).String()
	mk := func(path, body string, want bool) *loadgen.Request {
		return &loadgen.Request{Raw: loadgen.Build("POST", path, "x", "tok", []byte(body)), Check: func(status int, b []byte) (bool, bool) {
			got, found := loadgen.Allowed(b)
			return status == 200 && found, got == want
		}}
	}
	reqs := []*loadgen.Request{mk("/plain", "yes", true), mk("/chunked", "no", false), mk("/plain", "no", true)}
	res, err := loadgen.Run(context.Background(), loadgen.Config{Addr: addr, Conns: 4, Duration: 300 * time.Millisecond,
		Next: func(c, i int) *loadgen.Request { return reqs[i%3] }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < 30 || res.Errors != 0 {
		t.Fatalf("requests %d errors %d (%s)", res.Requests, res.Errors, res.FirstErr)
	}
	// Every third request expects the wrong answer.
	if res.Wrong < res.Requests/4 || res.Wrong > res.Requests/2 {
		t.Errorf("wrong %d of %d, want about a third", res.Wrong, res.Requests)
	}
	res, _ = loadgen.Run(context.Background(), loadgen.Config{Addr: addr, Conns: 1, Duration: 100 * time.Millisecond,
		Next: func(c, i int) *loadgen.Request { return mk("/fail", "", true) }})
	if res.Errors == 0 || res.Errors != res.Requests {
		t.Errorf("errors %d of %d, want all", res.Errors, res.Requests)
	}
}
