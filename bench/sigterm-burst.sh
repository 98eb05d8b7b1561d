#!/usr/bin/env bash
# SIGTERM during a burst of keep-alive requests (issue 8 item 18): builds
# frontdesk, serves an empty data dir on a loopback port, drives it for 5 s
# with keep-alive clients (bench/keepalive: GETs of / and a search, POSTs of
# the login form), sends SIGTERM halfway and prints serve's exit status and
# how every request ended. Every request that was sent on a connection must
# be answered: "LOST" must be 0 on reused and on new connections. "refused"
# after the listener closed is expected (the request never reached the
# server). Env: PORT (18090), CLIENTS (50), DURATION (5, seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/frontdesk" ./cmd/frontdesk
go build -o "$work/keepalive" ./bench/keepalive
port=${PORT:-18090}
secs=${DURATION:-5}
"$work/frontdesk" serve --addr "127.0.0.1:$port" --data-dir "$work/data" --log-level warn >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
"$work/keepalive" -url "http://127.0.0.1:$port" -c "${CLIENTS:-50}" -d "${secs}s" >"$work/load.txt" 2>&1 &
lpid=$!
sleep "$(awk "BEGIN{print $secs/2}")"
kill -TERM "$pid"
status=0
t0=$(date +%s.%N)
wait "$pid" || status=$?
t1=$(date +%s.%N)
pid=
echo "serve exit status: $status (stopped $(awk "BEGIN{printf \"%.2f\", $t1-$t0}") s after SIGTERM)"
lstatus=0
wait "$lpid" || lstatus=$?
cat "$work/load.txt"
grep -i "drained\|shutdown" "$work/serve.log" || true
exit $lstatus
