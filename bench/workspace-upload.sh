#!/usr/bin/env bash
# Memory check of workspace uploads and downloads (issue 13): a 500 MB
# upload must raise the server's RSS by at most 50 MB, downloads stream
# too, and a download interrupted half-way resumes with a Range request.
#
# Starts `frontdesk serve --demo` (SQLite, file bytes in the database
# unless FILES_DIR is set) on a free loopback port, logs in as the demo
# agent through the real /login form, then:
#   1. uploads SIZE random bytes with curl -F to /w/acme-corp/upload while
#      sampling the serve process's RSS every 0.2 s;
#   2. downloads the file whole (sampling again) and checks its SHA-256;
#   3. downloads the first half, then resumes with "Range: bytes=HALF-",
#      checks the 206 answer, its Content-Range and the joined SHA-256.
# Prints RSS just before each step, the highest sample during it and the
# growth; exits non-zero when a check fails or a growth is over LIMIT_MB.
#
# Usage:
#   bench/workspace-upload.sh                         # 500,000,000 bytes
#   SIZE=100000000 bench/workspace-upload.sh
#   BIGFILE=/tmp/big.bin bench/workspace-upload.sh    # reuse a file (made when missing)
#   FILES_DIR=/tmp/fd-files bench/workspace-upload.sh # dir backend (--files-dir)
# Tools: go, curl, sha256sum, awk. Needs ~3x SIZE of free disk.
set -euo pipefail

SIZE=${SIZE:-500000000}
LIMIT_MB=${LIMIT_MB:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/workspace-upload.XXXXXX")
BIGFILE=${BIGFILE:-$work/big.bin}
serve_pid="" sampler=""
cleanup() {
	[[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
args=(serve --demo --data-dir "$work/data" --addr "127.0.0.1:$port" --base-url "$base")
[[ -n "${FILES_DIR:-}" ]] && args+=(--files-dir "$FILES_DIR")
"$work/frontdesk" "${args[@]}" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 180); do curl -fs -o /dev/null "$base/healthz" && break; sleep 1; done
curl -fs -o /dev/null "$base/healthz" || { cat "$work/serve.log" >&2; exit 1; }

jar="$work/cookies.txt"
tok=$(curl -fs -c "$jar" -b "$jar" "$base/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -fs -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=alice@demo.frontdesk.test" \
	--data-urlencode "password=demo-alice-2026" --data-urlencode "_csrf=$tok" "$base/login"
tok=$(curl -fs -c "$jar" -b "$jar" "$base/w/acme-corp" | grep -o 'X-CSRF-Token": "[^"]*"' | head -1 | sed 's/.*: "//;s/"//')
[[ -n "$tok" ]] || { echo "the demo agent cannot open /w/acme-corp" >&2; exit 1; }

if [[ ! -f "$BIGFILE" || $(stat -c %s "$BIGFILE") -ne $SIZE ]]; then
	log "making $SIZE random bytes in $BIGFILE"
	head -c "$SIZE" /dev/urandom >"$BIGFILE"
fi
want=$(sha256sum "$BIGFILE" | awk '{print $1}')
rss() { awk '/^VmRSS/ {print $2}' "/proc/$serve_pid/status"; }
# sample starts a background RSS sampler writing the highest value (kB).
sample() {
	echo 0 >"$work/max"
	( m=0; while kill -0 "$serve_pid" 2>/dev/null; do r=$(rss 2>/dev/null || echo 0)
		if [[ -n "$r" && "$r" -gt "$m" ]]; then m=$r; echo "$m" >"$work/max"; fi; sleep 0.2; done ) &
	sampler=$!
}
stop() { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""; cat "$work/max"; }
fail=0
report() { # name before_kB max_kB
	local growth=$(( ($3 - $2) / 1024 ))
	printf '%-22s RSS before %4d MB, highest sample %4d MB, growth %4d MB (limit %d MB)\n' "$1" $(( $2 / 1024 )) $(( $3 / 1024 )) "$growth" "$LIMIT_MB"
	(( growth <= LIMIT_MB )) || fail=1
}

log "uploading $SIZE bytes"
before=$(rss); sample; t0=$(date +%s.%N)
code=$(curl -s -o "$work/resp.html" -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" -H "X-CSRF-Token: $tok" \
	-F "files=@$BIGFILE;filename=deliverable.bin" "$base/w/acme-corp/upload?folder=0&_csrf=$tok")
t1=$(date +%s.%N); max=$(stop)
echo "upload: HTTP $code in $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s"
report "upload" "$before" "$max"
[[ "$code" == 303* ]] || { echo "upload failed: $code" >&2; tail -5 "$work/serve.log" >&2; exit 1; }

file=$(curl -fs -b "$jar" "$base/w/acme-corp" | grep -o '/w/acme-corp/files/[0-9]*">deliverable.bin<' | head -1 | cut -d'"' -f1)
url=$(curl -fs -b "$jar" "$base$file" | grep -o "$file/v/[0-9]*/download" | sort -t/ -k7 -n | tail -1)
[[ -n "$url" ]] || { echo "uploaded file not found" >&2; exit 1; }

log "downloading $base$url"
before=$(rss); sample; t0=$(date +%s.%N)
got=$(curl -fs -b "$jar" "$base$url" | sha256sum | awk '{print $1}')
t1=$(date +%s.%N); max=$(stop)
echo "download: $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s, sha256 $([[ $got == "$want" ]] && echo matches || echo DIFFERS)"
[[ $got == "$want" ]] || fail=1
report "download" "$before" "$max"

half=$(( SIZE / 2 ))
log "resuming at byte $half"
before=$(rss); sample
curl -s -b "$jar" -r "0-$(( half - 1 ))" -o "$work/part" "$base$url" || true
hdr=$(curl -s -b "$jar" -H "Range: bytes=$half-" -D - -o "$work/rest" "$base$url" || true)
max=$(stop)
status=$(echo "$hdr" | head -1 | tr -d '\r')
crange=$(echo "$hdr" | grep -i '^content-range:' | tr -d '\r' | cut -d' ' -f2-)
joined=$(cat "$work/part" "$work/rest" | sha256sum | awk '{print $1}')
echo "resume: first half $(stat -c %s "$work/part") bytes, then '$status', Content-Range $crange, joined sha256 $([[ $joined == "$want" ]] && echo matches || echo DIFFERS)"
[[ $joined == "$want" && $status == *206* && $crange == "bytes $half-$(( SIZE - 1 ))/$SIZE" ]] || fail=1
report "range resume" "$before" "$max"
echo "serve VmHWM (whole run, includes demo seeding): $(awk '/^VmHWM/ {print int($2/1024)}' "/proc/$serve_pid/status") MB"
exit $fail
