#!/usr/bin/env bash
# make test: install what the tests need when it is missing, start a
# throwaway PostgreSQL and a throwaway Dovecot (IMAP) on loopback, run every
# Go test in strict mode (a test whose service is missing fails instead of
# skipping), and stop what was started, also when the tests fail or the run
# is interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

need_pkgs=()
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || need_pkgs+=(postgresql)
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || need_pkgs+=(dovecot-imapd)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/frontdesk-test.XXXXXX)
chmod 755 "$work"
PGBIN=$(pg_bin)
PGDATA="$work/pg"
pg_user=""
cleanup() {
  status=$?
  if [ -f "$work/dovecot/run/master.pid" ]; then
    log "stopping Dovecot"
    kill "$(cat "$work/dovecot/run/master.pid")" 2>/dev/null || true
  fi
  if [ -f "$PGDATA/postmaster.pid" ]; then
    log "stopping PostgreSQL"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

# PostgreSQL refuses to run as root: use the postgres system user the
# package created (or the current user when not root).
as_pg() {
  if [ -n "$pg_user" ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then
  pg_user=postgres
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
fi
mkdir -p "$PGDATA" "$work/sock"
[ -n "$pg_user" ] && chown "$pg_user" "$PGDATA" "$work/sock"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo "$1"
}
pg_port=$(free_port 55433)
log "starting PostgreSQL on 127.0.0.1:$pg_port"
as_pg "$PGBIN/initdb" -D "$PGDATA" -U frontdesk -A trust -E UTF8 --no-locale >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -l "$PGDATA/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null

# Dovecot with one mailbox, support@frontdesk.test, plaintext auth on
# loopback only. Mail belongs to 'nobody' so the unprivileged IMAP process
# can write it when this script runs as root.
DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
dv="$work/dovecot"
imap_port=$(free_port 51143)
mkdir -p "$dv/run" "$dv/state" "$dv/mail"
mail_user=$(id -un)
mail_group=$(id -gn)
if [ "$(id -u)" -eq 0 ]; then
  mail_user=nobody
  mail_group=$(id -gn nobody)
  chown nobody "$dv/mail"
fi
cat >"$dv/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dv/run
state_dir = $dv/state
log_path = $dv/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dv/mail/%n
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dv/users
}
userdb {
  driver = static
  args = uid=$mail_user gid=$mail_group home=$dv/mail/%n
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
protocol imap {
  mail_max_userip_connections = 100
}
CONF
echo 'support@frontdesk.test:{PLAIN}test-password' >"$dv/users"
log "starting Dovecot on 127.0.0.1:$imap_port"
"$DOVECOT" -c "$dv/dovecot.conf"
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$imap_port") 2>/dev/null && break
  sleep 0.1
done

export FRONTDESK_TEST_IMAP_URL="imap://support%40frontdesk.test:test-password@127.0.0.1:$imap_port/INBOX"
export FRONTDESK_TEST_PG_URL="postgres://frontdesk@127.0.0.1:$pg_port/postgres?sslmode=disable"
export FRONTDESK_TEST_STRICT=1
export FRONTDESK_TEST_CHROMIUM="${FRONTDESK_TEST_CHROMIUM:-$(command -v chromium)}"

log "go test ./... (strict: PostgreSQL, Dovecot and Chromium are required)"
go test -count=1 -timeout 30m "$@" ./...
