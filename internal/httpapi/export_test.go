package httpapi

// GenericOnly is cfg without the decision fast paths: every request takes
// the generic (huma) path.
func GenericOnly(cfg Config) Config {
	cfg.noFastPath = true
	return cfg
}

// CountFast is cfg calling hit each time a fast path answers.
func CountFast(cfg Config, hit func()) Config {
	cfg.onFast = hit
	return cfg
}
