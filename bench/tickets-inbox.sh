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
# The inbox answers a repeated poll from memory until the ticket change log
# moves (tickets/inboxcache.go). CHURN=SECONDS changes a ticket's priority
# through the agent form every SECONDS during the run (each change makes
# every cached page stale), so the figure includes re-rendering after
# writes; it writes events into DIR's database.
#
# Usage:
#   bench/tickets-inbox.sh                       # DIR=/tmp/tickets-bench, 20 s, 32 connections
#   DIR=/tmp/tb DURATION=10s CONNECTIONS=16 bench/tickets-inbox.sh
#   PATH_Q='/agent?view=open&priority=high' bench/tickets-inbox.sh
#   CHURN=0.1 bench/tickets-inbox.sh             # and a ticket change every 100 ms
# Tools: go, curl, hey (go install github.com/rakyll/hey@latest).
set -euo pipefail

DIR=${DIR:-/tmp/tickets-bench}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
PATH_Q=${PATH_Q:-/agent}
CHURN=${CHURN:-}
HEY=${HEY:-$(command -v hey || echo "$HOME/go/bin/hey")}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tickets-inbox.XXXXXX")
serve_pid=""
churn_pid=""
cleanup() {
	if [[ -n "$churn_pid" ]]; then kill "$churn_pid" 2>/dev/null || true; fi
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
if [[ -n "$CHURN" ]]; then
	page=$(curl -fs -c "$jar" -b "$jar" "$base/agent")
	token=$(grep -o 'name="_csrf" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//; s/"$//')
	number=$(grep -o '/agent/tickets/[0-9]*' <<<"$page" | head -1 | sed 's,.*/,,')
	[[ -n "$token" && -n "$number" ]] || { echo "churn: no token or ticket" >&2; exit 1; }
	log "changing ticket #$number every ${CHURN}s"
	(
		a=low b=high n=0
		while sleep "$CHURN"; do
			code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" --data-urlencode "_csrf=$token" \
				-d "orig_priority=$a" -d "priority=$b" "$base/agent/tickets/$number/fields" || true)
			[[ "$code" == 303 ]] && n=$((n + 1)) && echo "$n" >"$work/churn.count"
			t=$a a=$b b=$t
		done
	) &
	churn_pid=$!
fi
# CPU the serve process used (user+system clock ticks), to report CPU per
# request: on a shared machine requests/s depends on the neighbours.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$serve_pid/stat"; }
log "GET $PATH_Q for $DURATION at $CONNECTIONS connections"
cpu0=$(cpu_ticks)
"$HEY" -z "$DURATION" -c "$CONNECTIONS" -H "Cookie: $cookie" -H "HX-Request: true" "$base$PATH_Q" | tee "$work/hey.out"
cpu1=$(cpu_ticks)
reqs=$(awk '/^  \[[0-9]+\]/{n += $2} END {print n + 0}' "$work/hey.out")
if ((reqs > 0)); then
	awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$reqs" \
		'BEGIN {printf "serve CPU: %.1f s for %d responses = %.0f us per request\n", t / hz, n, t / hz / n * 1e6}'
fi
if [[ -n "$churn_pid" ]]; then
	kill "$churn_pid" 2>/dev/null || true
	churn_pid=""
	log "ticket changes made during the run: $(cat "$work/churn.count" 2>/dev/null || echo 0)"
fi
printf 'serve RSS: %s MB\n' "$(( $(awk '/VmRSS/{print $2}' /proc/$serve_pid/status) / 1024 ))"
