#!/usr/bin/env bash
# Runs every test of Gatehouse. Installs what the tests need when it is
# missing: Debian's PostgreSQL (store conformance, end-to-end tests),
# Chromium (console browser tests), npm (axe-core) and Python's venv (the
# outside suites from PyPI: schemathesis, the API fuzzer, into .venv;
# scim2-tester, the SCIM conformance suite, into the cache dir).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v curl >/dev/null || need+=(curl)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing ${need[*]} ..."
	if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# axe-core (the console's accessibility checks) is a test dependency from
# npm, pinned in tools/axe/package-lock.json.
if [ ! -d tools/axe/node_modules/axe-core ]; then
	npm ci --prefix tools/axe --no-audit --no-fund
fi

go vet ./...
# The benchmarks are a module of their own over this one: a dependency
# added here must not leave them unbuildable.
(cd bench && go vet ./...)
# Property tests run 10,000 cases in CI; locally the default is smaller.
export GATEHOUSE_RAPID_CHECKS="${GATEHOUSE_RAPID_CHECKS:-10000}"
go test -race -count=1 -timeout 45m "$@" ./...
./scripts/schemathesis.sh
./scripts/scim-tester.sh
