#!/usr/bin/env bash
# Installs Debian's Chromium for the browser executor (hetero run --backend browser) when it is
# missing. Idempotent and quiet: does nothing when /usr/bin/chromium (or $HETERO_CHROMIUM) exists.
set -euo pipefail
target="${HETERO_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$target" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null
