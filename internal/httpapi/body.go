package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// readWhole reads the body of a route huma does not serve (AuthZEN, SCIM)
// as huma reads its routes' bodies: within the body read timeout, so a
// client that stalls mid-body is cut off rather than holding the request,
// and under the size limit. On failure it returns the status and the
// sentence to answer with.
func (s *server) readWhole(w http.ResponseWriter, r *http.Request) (body []byte, status int, msg string) {
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooLarge) || int64(len(body)) > s.maxBody:
		return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", s.maxBody)
	case errors.As(err, &ne) && ne.Timeout():
		return nil, http.StatusRequestTimeout, "request body read timeout"
	case err != nil:
		return nil, http.StatusBadRequest, "the request body could not be read"
	}
	return body, 0, ""
}
