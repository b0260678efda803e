"""e2e fixtures: a live server per test, Chromium with a fake microphone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from e2e.audio_fixtures import spoken_wav
from e2e.browser import launch
from e2e.live_server import LiveServer

ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.webrtc)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def guest_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The guest speaks once the greeting (about 3.5 s) has been heard.
    return spoken_wav(tmp_path_factory.mktemp("audio") / "guest.wav",
                      "Hello, I would like to book a room for two nights please.", lead_s=5.0)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Per module: Playwright's sync API keeps an event loop current while it runs."""
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright: Playwright, guest_wav: Path) -> Iterator[Browser]:
    browser = launch(playwright, guest_wav)
    try:
        yield browser
    finally:
        browser.close()
