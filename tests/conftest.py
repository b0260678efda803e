"""Shared fixtures: settings on a temp SQLite file, the app under aiohttp's test client, and the
loopback-only guard every WebRTC test runs behind."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import ifaddr
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.settings import Settings

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


def non_loopback_addresses() -> list[str]:
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            addr = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            if not (addr.startswith("127.") or addr == "::1"):
                found.append(f"{adapter.nice_name}:{addr}")
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """WebRTC tests run only in a loopback-only network namespace (scripts/test.sh makes one)."""
    others = non_loopback_addresses()
    if not others or os.environ.get("FRONTDESK_WEBRTC_ANY_NETWORK") == "1":
        return
    guard = pytest.mark.skip(
        reason=f"WebRTC tests need a loopback-only network namespace (found {others}); "
        "run them with scripts/test.sh"
    )
    for item in items:
        if item.get_closest_marker("webrtc") is not None:
            item.add_marker(guard)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'frontdesk.db'}",
        ice_hosts=("127.0.0.1",),
        recordings_dir=tmp_path / "recordings",
        stt_warm=False,  # recognizer workers start on the first call that needs them
    )


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, settings: Settings
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(create_app(settings))
