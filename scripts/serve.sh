#!/usr/bin/env bash
# Run Frontdesk on a fresh machine: install into .venv, migrate, seed the demo hotel, serve.
# Offline engine by default; http://127.0.0.1:8080 unless FRONTDESK_HOST/FRONTDESK_PORT say else.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
.venv/bin/frontdesk db upgrade
.venv/bin/frontdesk db seed --if-empty
exec .venv/bin/frontdesk serve "$@"
