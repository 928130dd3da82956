.PHONY: run test bench build

# Runs the server with an embedded SQLite database and demo organizations.
run:
	go run ./cmd/gatehouse serve --demo

# Runs every test; installs PostgreSQL and Chromium first when missing.
test:
	./scripts/test.sh

build:
	go build -o bin/gatehouse ./cmd/gatehouse
