#!/usr/bin/env bash
# Debian's Chromium for the browser runtime and the report test (driven by playwright-core with
# executablePath /usr/bin/chromium). Idempotent: does nothing when it is already installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-chromium: /usr/bin/chromium is missing; run as root: apt-get install chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium > /dev/null
