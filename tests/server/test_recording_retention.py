"""Call recordings and voice notes older than the retention period are deleted (a voice note's
row keeps its transcript and loses its audio path first); newer ones and other files stay."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from dataclasses import replace
from pathlib import Path

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy import select

from server.app import create_app
from server.db.database import Database
from server.hotel.models import VoiceNote
from server.settings import Settings
from server.voice.retention import DAY_S, prune_once, prune_recordings, prune_voice_notes
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
    deeper = _file(tmp_path / "elsewhere", "old.wav", 400)  # only the directory itself is ours
    assert prune_recordings(tmp_path, time.time() - 30 * DAY_S) == 1
    assert not old.exists()
    assert new.exists() and other.exists() and (tmp_path / "sub.wav").is_dir()
    assert deeper.exists()


def test_prune_deletes_old_voice_notes_and_the_day_folder_it_empties(tmp_path: Path) -> None:
    old_day, new_day = tmp_path / "20261020", tmp_path / "20261129"
    old = _file(old_day, "call-1-a.wav", 41)
    _file(old_day, "call-1-b.wav", 40)
    new = _file(new_day, "call-2-c.wav", 1)
    other = _file(tmp_path / "keep", "not-a-note.wav", 400)  # not a day folder: not ours
    assert prune_voice_notes(tmp_path, time.time() - 30 * DAY_S) == 2
    assert not old.exists() and not old_day.exists()
    assert new.exists() and other.exists()


async def test_old_voice_notes_lose_their_audio_path_then_their_file(
        db: Database, settings: Settings) -> None:
    now = time.time()
    notes = []
    for age in (40, 1):
        when = dt.datetime.fromtimestamp(now - age * DAY_S, dt.UTC)
        path = _file(settings.voice_notes_dir / when.strftime("%Y%m%d"), f"call-{age}.wav", age)
        notes.append((path, VoiceNote(call_id=f"call-{age}", transcript=f"message {age}",
                                      audio_path=str(path), created_at=when)))
    async with db.session() as session:
        session.add_all([note for _, note in notes])
    recording = _file(settings.recordings_dir, "old.wav", 40)
    removed, cleared = await prune_once(replace(settings, recording_retention_days=30), db, now)
    assert (removed, cleared) == (2, 1)
    async with db.session() as session:
        rows = {n.transcript: n.audio_path
                for n in (await session.execute(select(VoiceNote))).scalars()}
    (old_path, _), (new_path, _) = notes
    assert rows["message 40"] is None and not old_path.exists()  # the transcript stays
    assert rows["message 1"] == str(new_path) and new_path.exists()
    assert not recording.exists()


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
