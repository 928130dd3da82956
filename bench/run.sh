#!/usr/bin/env bash
# Runs the side-by-side comparison (make bench): builds the server and the
# bench command, installs Debian's PostgreSQL when it is missing (for the
# PostgreSQL cold start), then measures and writes docs/benchmarks.md and
# docs/bench-check-latency.png. Extra flags go to `gatebench run`, e.g.
#   make bench BENCH_FLAGS="-sizes 10000,100000 -http=false"
set -euo pipefail
cd "$(dirname "$0")/.."

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
	echo "installing postgresql (for the PostgreSQL cold start) ..."
	if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi

echo "building bin/gatehouse and bin/gatebench ..."
go build -o bin/gatehouse ./cmd/gatehouse
(cd bench && go build -o ../bin/gatebench ./cmd/gatebench)

read -r load _ < /proc/loadavg
echo "load average: $load (figures are steadier below 1.5: other work on the machine slows every engine)"
cd bench
exec ../bin/gatebench run -gatehouse ../bin/gatehouse "$@"
