#!/usr/bin/env bash
# Debian ships `python3 -m venv` support in a separate package: install it (with pip) when missing.
set -euo pipefail
if python3 -c "import ensurepip" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
version=$(python3 -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "python${version}-venv" python3-pip >/dev/null
