.PHONY: run test bench build

# Runs the server with an embedded SQLite database and demo organizations.
run:
	go run ./cmd/gatehouse serve --demo

# Runs every test; installs PostgreSQL and Chromium first when missing.
test:
	./scripts/test.sh

# Runs Gatehouse side by side with OpenFGA and Casbin (bench/, a separate Go
# module) and writes docs/benchmarks.md; about 15 minutes. Not part of test.
bench:
	./bench/run.sh $(BENCH_FLAGS)

build:
	go build -o bin/gatehouse ./cmd/gatehouse
