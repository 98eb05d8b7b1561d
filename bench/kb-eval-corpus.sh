#!/usr/bin/env bash
# Rebuilds kb/eval/testdata/libreoffice.jsonl.gz from Debian's
# libreoffice-help-en-us package (the held-out evaluation corpus).
# Needs apt (run `apt-get update` once) and go.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kb-eval-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download libreoffice-help-en-us
dpkg-deb -x libreoffice-help-en-us_*.deb x
cd "$root"
go run ./bench/kbcorpus -in "$work/x/usr/share/libreoffice/help/en-US" -out kb/eval/testdata/libreoffice.jsonl.gz
