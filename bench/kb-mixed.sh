#!/usr/bin/env bash
# Mixed HTTP benchmark of the customer pages (issue 9): home, category,
# article and search pages, as-you-type searches and "Was this helpful?"
# votes, driven together by wrk against `frontdesk serve` with the search
# result cache off (FRONTDESK_KB_SEARCH_CACHE=0), so every search runs the
# engine. Prints requests/s, latency percentiles and responses by status
# class (the target: >= 1,500 req/s at 50,000 articles, no 5xx).
#
# Usage:
#   bench/kb-mixed.sh                  # 50,000 generated articles, 20 s, 64 connections
#   WORK=/tmp/kb-search-bench.XXXX bench/kb-mixed.sh   # reuse `KEEP=1 bench/kb-search.sh`'s data
#   N=5000 DURATION=10s bench/kb-mixed.sh
# Mix per 100 requests: 20 home, 15 category, 30 article, 15 search page,
# 15 as-you-type search partial, 5 votes.
set -euo pipefail

N=${N:-50000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
serve_pid=""
if [[ -n "${WORK:-}" ]]; then
	work=$WORK
	fresh=""
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/kb-mixed-bench.XXXXXX")
	fresh=1
fi
cleanup() {
	if [[ -n "$serve_pid" ]] && kill -0 "$serve_pid" 2>/dev/null; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
	if [[ -n "$fresh" && -z "${KEEP:-}" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '== %s\n' "$*" >&2; }
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

cd "$root"
log "building frontdesk"
go build -o "$work/frontdesk" ./cmd/frontdesk
export FRONTDESK_DATA_DIR="$work/data"
unset FRONTDESK_DB FRONTDESK_ADDR FRONTDESK_BASE_URL FRONTDESK_IMAP_URL FRONTDESK_SMTP_URL
if [[ -n "$fresh" ]]; then
	go build -o "$work/kbgen" ./bench/kbgen
	log "generating and importing $N articles"
	"$work/kbgen" -n "$N" -out "$work/articles" -queries "$work/queries.txt"
	mkdir -p "$FRONTDESK_DATA_DIR"
	"$work/frontdesk" kb import "$work/articles" | tail -n 2
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
log "starting frontdesk serve on $base (search cache off)"
FRONTDESK_KB_SEARCH_CACHE=0 "$work/frontdesk" serve --addr "127.0.0.1:$port" >"$work/serve-mixed.log" 2>&1 &
serve_pid=$!
for _ in $(seq 600); do
	curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
	kill -0 "$serve_pid" 2>/dev/null || { tail -n 20 "$work/serve-mixed.log" >&2; exit 1; }
	sleep 0.2
done

log "collecting URLs"
curl -fsS "$base/sitemap.xml" | grep -o '<loc>[^<]*</loc>' | sed 's|<loc>[^/]*//[^/]*||; s|</loc>||' >"$work/urls.txt"
grep '^/kb/a/' "$work/urls.txt" | shuf -n 2000 --random-source=<(yes) >"$work/articles.txt" || true
grep '^/kb/c/' "$work/urls.txt" >"$work/categories.txt" || true
printf '   %d articles, %d categories sampled\n' "$(wc -l <"$work/articles.txt")" "$(wc -l <"$work/categories.txt")" >&2
jar="$work/cookies.txt"
token=$(curl -fsS -c "$jar" "$base/" | grep -o '"X-CSRF-Token": *"[^"]*"' | head -n 1 | sed 's/.*: *"//; s/"$//')
csrf_cookie=$(awk '$6 ~ /fd_csrf$/ {print $6 "=" $7}' "$jar" | head -n 1)
[[ -n "$token" && -n "$csrf_cookie" ]] || { echo "no CSRF token on the home page" >&2; exit 1; }

cat >"$work/mixed.lua" <<'LUA'
local function lines(path)
  local t = {}
  for l in io.lines(path) do if l ~= "" then t[#t + 1] = l end end
  return t
end
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local articles, categories, queries
local token, cookie = os.getenv("KB_TOKEN"), os.getenv("KB_COOKIE")
local i = 0
local threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  articles = lines(os.getenv("KB_ARTICLES"))
  categories = lines(os.getenv("KB_CATEGORIES"))
  queries = lines(os.getenv("KB_QUERIES"))
  i = tonumber(offset) or 0
  c2, c3, c4, c429, c5 = 0, 0, 0, 0, 0
end
function request()
  i = i + 1
  local k = i % 100
  if k < 20 then
    return wrk.format("GET", "/")
  elseif k < 35 then
    return wrk.format("GET", categories[(i % #categories) + 1])
  elseif k < 65 then
    return wrk.format("GET", articles[(i % #articles) + 1])
  elseif k < 80 then
    return wrk.format("GET", "/kb/search?q=" .. encode(queries[(i % #queries) + 1]))
  elseif k < 95 then
    return wrk.format("GET", "/kb/search?q=" .. encode(queries[(i * 7 % #queries) + 1]), { ["HX-Request"] = "true" })
  end
  local a = articles[(i * 13 % #articles) + 1]
  return wrk.format("POST", a .. "/feedback", {
    ["HX-Request"] = "true", ["X-CSRF-Token"] = token, ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded" }, "helpful=yes")
end
function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1
  elseif status == 429 then c429 = c429 + 1
  elseif status >= 400 then c4 = c4 + 1
  elseif status >= 300 then c3 = c3 + 1
  else c2 = c2 + 1 end
end
function done(summary, latency, requests)
  local t = { c2 = 0, c3 = 0, c4 = 0, c429 = 0, c5 = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (tonumber(th:get(k)) or 0) end
  end
  io.write(string.format("status: 2xx %d, 3xx %d, 429 %d (vote limit), other 4xx %d, 5xx %d\n", t.c2, t.c3, t.c429, t.c4, t.c5))
end
LUA
log "driving the mix with wrk: $THREADS threads, $CONNECTIONS connections, $DURATION"
KB_ARTICLES="$work/articles.txt" KB_CATEGORIES="$work/categories.txt" KB_QUERIES="$work/queries.txt" \
	KB_TOKEN="$token" KB_COOKIE="$csrf_cookie" \
	wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency -s "$work/mixed.lua" "$base" | tee "$work/wrk-mixed.txt"
echo
echo "articles in the database: $(grep -c '^/kb/a/' "$work/urls.txt")"
echo "requests/s:  $(awk '/^Requests\/sec/ {print $2}' "$work/wrk-mixed.txt")   (target >= 1500, no 5xx)"
echo "p99 latency: $(awk '$1 == "99%" {print $2}' "$work/wrk-mixed.txt")"
