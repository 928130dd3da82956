package httpapi

import "net/http"

// NewGenericOnly is New without the decision fast paths: every request
// takes the generic (huma) path.
func NewGenericOnly(cfg Config) http.Handler { return newHandler(cfg, hooks{noFastPath: true}) }

// NewCountingFast is New calling hit each time a fast path answers.
func NewCountingFast(cfg Config, hit func()) http.Handler {
	return newHandler(cfg, hooks{onFast: hit})
}
