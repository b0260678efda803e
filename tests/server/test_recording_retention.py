"""Call recordings older than the retention period are deleted; newer ones and other files stay."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace
from pathlib import Path

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from server.app import create_app
from server.settings import Settings
from server.voice.retention import DAY_S, prune_recordings
from tests.conftest import AiohttpClient
from tests.waiting import eventually


def _file(directory: Path, name: str, age_days: float) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"RIFF")
    then = time.time() - age_days * DAY_S
    os.utime(path, (then, then))
    return path


def test_prune_deletes_only_old_recordings(tmp_path: Path) -> None:
    old = _file(tmp_path, "0b7d1c2e-old.wav", 31)
    new = _file(tmp_path, "5a1f0e3d-new.wav", 29)
    other = _file(tmp_path, "notes.txt", 400)
    (tmp_path / "sub.wav").mkdir()
    assert prune_recordings(tmp_path, time.time() - 30 * DAY_S) == 1
    assert not old.exists()
    assert new.exists() and other.exists() and (tmp_path / "sub.wav").is_dir()


def test_prune_of_a_missing_directory_is_nothing(tmp_path: Path) -> None:
    assert prune_recordings(tmp_path / "never-made", time.time()) == 0


async def test_server_prunes_at_start_up(aiohttp_client: AiohttpClient, settings: Settings
                                         ) -> None:
    old = _file(settings.recordings_dir, "old.wav", 8)
    new = _file(settings.recordings_dir, "new.wav", 6)
    client: TestClient[Request, Application] = await aiohttp_client(
        create_app(replace(settings, recording_retention_days=7)))
    assert (await client.get("/health")).status == 200
    await eventually(lambda: not old.exists(), what="the old recording deleted")
    assert new.exists()


async def test_retention_zero_keeps_everything(aiohttp_client: AiohttpClient,
                                               settings: Settings) -> None:
    old = _file(settings.recordings_dir, "old.wav", 4000)
    client: TestClient[Request, Application] = await aiohttp_client(
        create_app(replace(settings, recording_retention_days=0)))
    assert (await client.get("/health")).status == 200
    for _ in range(20):  # a pruning task, had one started, has had its chance
        await asyncio.sleep(0.05)
        assert old.exists()


def test_retention_setting_from_the_environment() -> None:
    assert Settings.from_env({}).recording_retention_days == 30
    assert Settings.from_env({"FRONTDESK_RECORDING_RETENTION_DAYS": "0"}
                             ).recording_retention_days == 0
