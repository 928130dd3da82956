#!/usr/bin/env bash
# Runs the outside API fuzzer schemathesis against a real server, built
# from this tree, over its own /openapi.json: no 5xx, and every answer's
# status, content type and body as the document says. The tool comes from
# PyPI into .venv (made when missing). Bounded: SCHEMATHESIS_EXAMPLES cases
# per operation (default 30), a fixed seed unless SCHEMATHESIS_SEED is set.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
version=4.32.5
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
	echo "installing schemathesis $version into $venv ..."
	python3 -m venv "$venv"
	# Every dependency pinned, so that the fixed seed draws the same cases.
	"$venv/bin/pip" install -q -r scripts/schemathesis.requirements.txt
fi

work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/gatehouse" ./cmd/gatehouse
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/gatehouse" serve --db "$work/gatehouse.db" --addr "127.0.0.1:$port" --demo --log-format json >"$work/server.log" 2>&1 &
pid=$!
# The demo prints each org's admin key once it is serving, so the key, not
# the health check, says the server is ready; the vi one drives the run, and
# every {org} in a path is that org so that requests reach the handlers.
key=""
for _ in $(seq 600); do
	key=$(grep -E '^\s*vi-demo\s' "$work/server.log" | grep -o 'gsk_[A-Za-z0-9_]*' | head -1 || true)
	[ -n "$key" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
if [ -z "$key" ]; then
	echo "the demo server printed no vi-demo key:"; cat "$work/server.log"; exit 1
fi
printf '[parameters]\n"path.org" = "vi-demo"\n' >"$work/schemathesis.toml"
"$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "http://127.0.0.1:$port/openapi.json" \
	-H "Authorization: Bearer $key" -n "${SCHEMATHESIS_EXAMPLES:-30}" --seed "${SCHEMATHESIS_SEED:-20261202}" \
	--checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
	--phases examples,fuzzing || { echo "schemathesis failed; the server log ends:"; tail -50 "$work/server.log"; exit 1; }
