#!/usr/bin/env bash
# Run the whole suite on a fresh machine: install test dependencies (Python packages into .venv;
# Debian's chromium and postgresql when missing), lint and type-check, then unit and e2e tests.
# WebRTC tests need a network namespace with only loopback up; as root this script makes one.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
    || [ -n "${FRONTDESK_CHROMIUM:-}" ] || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 || need_apt+=(iproute2 util-linux)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
npm ci --prefix web/static/vendor --no-audit --no-fund --loglevel=error  # console charts

.venv/bin/ruff check .
.venv/bin/mypy

export FRONTDESK_ICE_HOSTS=127.0.0.1
pytest=(.venv/bin/python -m pytest -p no:cacheprovider "$@")
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
    exec unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh "${pytest[@]}"
fi
echo "warning: not root, so WebRTC tests run only if this machine has no other network" >&2
exec "${pytest[@]}"
