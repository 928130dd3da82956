package fault

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestHTTPStatus(t *testing.T) {
	for code, want := range map[Code]int{
		Internal: 500, Invalid: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404,
		Conflict: 409, Unprocessable: 422, TooManyRequests: 429, Unavailable: 503, Code(200): 500,
	} {
		if got := code.HTTPStatus(); got != want {
			t.Errorf("%v: %d, want %d", code, got, want)
		}
	}
	if http.StatusText(Conflict.HTTPStatus()) != "Conflict" {
		t.Error("conflict")
	}
}

func TestCodeOfWrapped(t *testing.T) {
	err := fmt.Errorf("context: %w", E(NotFound, "grant %q not found", "gr_1"))
	if CodeOf(err) != NotFound {
		t.Fatalf("CodeOf = %v", CodeOf(err))
	}
	if CodeOf(errors.New("plain")) != Internal {
		t.Fatal("a plain error is ours")
	}
	cause := errors.New("cause")
	if w := Wrap(Conflict, cause); !errors.Is(w, cause) || w.Error() != "cause" {
		t.Fatalf("Wrap: %v", w)
	}
}
