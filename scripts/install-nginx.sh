#!/usr/bin/env bash
# nginx from Debian, for `make cluster` and its multi-process test (the proxy in front of the web processes).
# The package's own site is not used: the cluster runs nginx with its own configuration (deploy/nginx/).
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "Installing nginx (Debian package)..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
