#!/usr/bin/env bash
# Run Frontdesk on a fresh machine: install into .venv, migrate, seed the demo hotel, serve.
# Offline engine by default; http://127.0.0.1:8080 unless FRONTDESK_HOST/FRONTDESK_PORT say else.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .
.venv/bin/frontdesk db upgrade
.venv/bin/frontdesk db seed --if-empty
# Staff console: chart.js from npm (served by the app, no CDN), and a demo manager to sign in with.
command -v npm >/dev/null 2>&1 || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm; }
npm ci --prefix web/static/vendor --no-audit --no-fund --loglevel=error
.venv/bin/frontdesk staff demo
exec .venv/bin/frontdesk serve "$@"
