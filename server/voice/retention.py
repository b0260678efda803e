"""Call recordings and voice notes are deleted once they are older than the retention period.

A recording, or a message a guest left for staff (`record_voice_note`), holds the guest's voice,
which is personal data: `FRONTDESK_RECORDING_RETENTION_DAYS` (default 30; 0 keeps them forever)
says how long one is kept. The console's history offers a call's recording while its file exists
(`server.console.history.recording_path`), so a pruned call simply shows none; the call's row and
transcript stay. A voice note's row keeps its transcript and loses its `audio_path` before its
file goes, so no row ever names a deleted file. One task per server prunes at start-up and then
every `PRUNE_EVERY_S` (only process 0 when several share the port); the file work runs on a
thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from server.appkeys import DB, SETTINGS
from server.db.database import Database
from server.hotel.models import VoiceNote
from server.settings import Settings

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0
DAY_S = 86_400.0
_DAY = re.compile(r"\d{8}")  # a voice notes' day folder (messaging_tools.record_voice_note)


def prune_recordings(directory: Path, cutoff: float) -> int:
    """Delete the audio files (`*.wav`) directly in `directory` last written before `cutoff`
    (epoch seconds); returns how many. Nothing deeper is touched: the directory is the
    operator's choice. Blocking: run it on a thread."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return 0
    removed = 0
    for entry in entries:
        if not entry.name.endswith(".wav") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:
            continue  # deleted meanwhile
    return removed


def prune_voice_notes(directory: Path, cutoff: float) -> int:
    """`prune_recordings` for each day folder (`YYYYMMDD`) of voice notes in `directory`, and
    the folders that leaves empty; returns how many files. Blocking: run it on a thread."""
    try:
        days = [e for e in os.scandir(directory)
                if _DAY.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return 0
    removed = 0
    for day in days:
        removed += prune_recordings(Path(day.path), cutoff)
        with contextlib.suppress(OSError):  # not empty (or gone): leave it
            os.rmdir(day.path)
    return removed


async def forget_voice_note_audio(db: Database, before: dt.datetime) -> int:
    """Clear `audio_path` on the voice notes made before `before` (their files are about to be
    deleted); returns how many."""
    async with db.session() as session:
        result = await session.execute(
            update(VoiceNote)
            .where(VoiceNote.audio_path.is_not(None), VoiceNote.created_at < before)
            .values(audio_path=None))
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_once(settings: Settings, db: Database, now: float) -> tuple[int, int]:
    """One pass: voice notes' rows first, then the recordings' and voice notes' files older
    than the retention period; returns (files deleted, voice note rows cleared)."""
    cutoff = now - settings.recording_retention_days * DAY_S
    cleared = await forget_voice_note_audio(db, dt.datetime.fromtimestamp(cutoff, dt.UTC))
    removed = await asyncio.to_thread(prune_recordings, settings.recordings_dir, cutoff)
    removed += await asyncio.to_thread(prune_voice_notes, settings.voice_notes_dir, cutoff)
    return removed, cleared


async def keep_pruning(settings: Settings, db: Database) -> None:
    """Prune now and every `PRUNE_EVERY_S` until cancelled; a failure is logged and retried."""
    while True:
        try:
            removed, cleared = await prune_once(settings, db, time.time())
        except (OSError, SQLAlchemyError) as exc:
            log.warning("could not prune old recordings and voice notes: %s", exc)
        else:
            if removed or cleared:
                log.info("deleted %d recording(s) and voice note(s) older than %g days "
                         "(%d voice note row(s) cleared)", removed,
                         settings.recording_retention_days, cleared)
        await asyncio.sleep(PRUNE_EVERY_S)


async def recording_retention(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the pruning task lives as long as the app."""
    settings = app[SETTINGS]
    if settings.recording_retention_days <= 0 or settings.worker_index != 0:
        yield
        return
    task = asyncio.ensure_future(keep_pruning(settings, app[DB]))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
