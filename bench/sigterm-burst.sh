#!/usr/bin/env bash
# SIGTERM during a burst of requests: builds frontdesk, serves an empty data
# dir on a loopback port, drives it with hey for 5 s, sends SIGTERM halfway
# and prints serve's exit status and hey's status/error distribution.
# Every accepted request must answer 200; "connection refused" after the
# listener closed is expected (no request was accepted on it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hey >/dev/null || { echo "needs hey (apt-get install hey)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/frontdesk" ./cmd/frontdesk
port=${PORT:-18090}
"$work/frontdesk" serve --addr "127.0.0.1:$port" --data-dir "$work/data" --log-level warn >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
hey -z 5s -c 50 "http://127.0.0.1:$port/" >"$work/hey.txt" 2>&1 &
hpid=$!
sleep 2.5
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
echo "serve exit status: $status"
wait "$hpid" || true
grep -A4 "Status code distribution" "$work/hey.txt"
grep -A4 "Error distribution" "$work/hey.txt" | head -5 || true
grep "Requests/sec" "$work/hey.txt"
