#!/usr/bin/env bash
# HTTP benchmark of the agent inbox (issue 10): >= 1,500 inbox requests/s
# with no 5xx on the 2-core dev machine.
#
# Uses a data directory made by bench/ticketgen (100,000 tickets, 500,000
# messages; made first when DIR does not exist yet), starts
# `frontdesk serve` on a free loopback port, logs in as agent1@bench.test
# through the real /login form, then drives GET /agent (the Unassigned
# view's first page, as the htmx poll asks for it: HX-Request) with hey for
# DURATION at CONNECTIONS connections. Prints hey's summary (requests/s,
# latency percentiles, status codes) and the serve process's RSS.
#
# Usage:
#   bench/tickets-inbox.sh                       # DIR=/tmp/tickets-bench, 20 s, 32 connections
#   DIR=/tmp/tb DURATION=10s CONNECTIONS=16 bench/tickets-inbox.sh
#   PATH_Q='/agent?view=open&priority=high' bench/tickets-inbox.sh
# Tools: go, curl, hey (go install github.com/rakyll/hey@latest).
set -euo pipefail

DIR=${DIR:-/tmp/tickets-bench}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
PATH_Q=${PATH_Q:-/agent}
HEY=${HEY:-$(command -v hey || echo "$HOME/go/bin/hey")}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tickets-inbox.XXXXXX")
serve_pid=""
cleanup() {
	if [[ -n "$serve_pid" ]] && kill -0 "$serve_pid" 2>/dev/null; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
log() { printf '== %s\n' "$*" >&2; }

cd "$root"
go build -o "$work/frontdesk" ./cmd/frontdesk
if [[ ! -e "$DIR/frontdesk.db" ]]; then
	log "generating benchmark data in $DIR"
	go run ./bench/ticketgen -data-dir "$DIR"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
FRONTDESK_LOG_LEVEL=warn "$work/frontdesk" serve --data-dir "$DIR" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

jar="$work/jar"
csrf=$(curl -fs -c "$jar" -b "$jar" "$base/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$csrf" \
	--data-urlencode "email=agent1@bench.test" --data-urlencode "password=bench-agent-password-2026" "$base/login"
session=$(awk '$6=="fd_session"{print $7}' "$jar")
[[ -n "$session" ]] || { echo "login failed" >&2; exit 1; }
cookie="fd_session=$session"

log "warm-up"
"$HEY" -z 3s -c 4 -H "Cookie: $cookie" -H "HX-Request: true" "$base$PATH_Q" >/dev/null
log "GET $PATH_Q for $DURATION at $CONNECTIONS connections"
"$HEY" -z "$DURATION" -c "$CONNECTIONS" -H "Cookie: $cookie" -H "HX-Request: true" "$base$PATH_Q"
printf 'serve RSS: %s MB\n' "$(( $(awk '/VmRSS/{print $2}' /proc/$serve_pid/status) / 1024 ))"
