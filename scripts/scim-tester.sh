#!/usr/bin/env bash
# Runs the outside SCIM 2.0 conformance suite scim2-tester (the PyPI
# package scim2-cli) against a real server built from this tree: the
# vi-demo org's SCIM base URL, with a SCIM token made through the API by
# its Owner. It must end with no error. The tool comes from PyPI into a
# venv under the cache dir (made when missing), every dependency pinned.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${GATEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse}/scim2-venv
version=$(grep -E '^scim2-cli==' scripts/scim-tester.requirements.txt | cut -d= -f3)
have=$("$venv/bin/pip" show scim2-cli 2>/dev/null | sed -n 's/^Version: //p' || true)
if [ ! -x "$venv/bin/scim2" ] || [ "$have" != "$version" ]; then
	echo "installing scim2-cli $version into $venv ..."
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q -r scripts/scim-tester.requirements.txt
fi

work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/gatehouse" ./cmd/gatehouse
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$work/gatehouse" serve --db "$work/gatehouse.db" --addr "127.0.0.1:$port" --demo --log-format json >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
	sleep 0.1
done
base="http://127.0.0.1:$port"
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
session=$(curl -sf -H 'Content-Type: application/json' -d '{"email":"owner@vi-demo.example","password":"gatehouse-demo"}' \
	"$base/v1/auth/login" | json token)
token=$(curl -sf -H "Authorization: Bearer $session" -H 'Content-Type: application/json' -d '{"name":"scim2-tester"}' \
	"$base/v1/orgs/vi-demo/scim-tokens" | json token)
out="$work/scim2.out"
# The header goes through the environment: a command line is visible to
# every user of the machine.
SCIM_CLI_HEADERS="Authorization: Bearer $token" "$venv/bin/scim2" --url "$base/v1/orgs/vi-demo/scim/v2" test | tee "$out" ||
	{ echo "scim2-tester failed; the server log ends:"; tail -50 "$work/server.log"; exit 1; }
# The tester prints one line per check, its status first: SUCCESS,
# COMPLIANT or ACCEPTABLE pass; DEVIATION, ERROR or CRITICAL fail the run,
# and so does a run with no check at all. SKIPPED lines are listed.
summary=$(grep -oE '^(SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) ' "$out" | sort | uniq -c)
echo "scim2-tester: $(echo $summary)"
grep -A1 -E '^SKIPPED ' "$out" || true
if grep -qE '^(DEVIATION|ERROR|CRITICAL) ' "$out" || ! grep -qE '^SUCCESS ' "$out"; then
	echo "scim2-tester reported failures; the server log ends:"; tail -50 "$work/server.log"; exit 1
fi
