#!/usr/bin/env bash
# Installs the Debian packages the tests use: Chromium for the browser tests (Playwright drives it; it
# never downloads a browser) and espeak-ng for the optional EspeakTTS backend.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v espeak-ng >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core espeak-ng >/dev/null
chromium --version
