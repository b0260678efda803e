"""Launching Chromium for the e2e tests and benches: Debian's chromium here, Playwright's own
browser elsewhere, always with fake media and no background networking."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Playwright


def chromium_executable() -> str | None:
    """`FRONTDESK_CHROMIUM`, else a system Chromium, else None (Playwright's installed build)."""
    explicit = os.environ.get("FRONTDESK_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args(fake_audio: Path | None) -> list[str]:
    args = [
        "--no-sandbox",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
    ]
    if fake_audio is not None:
        args.append(f"--use-file-for-fake-audio-capture={fake_audio}%noloop")
    return args


def launch(playwright: Playwright, fake_audio: Path | None = None) -> Browser:
    return playwright.chromium.launch(
        executable_path=chromium_executable(),
        args=chromium_args(fake_audio),
        headless=True,
    )
