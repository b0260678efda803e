"""Call recordings are deleted once they are older than the hotel's retention period.

A recording holds a guest's voice, which is personal data: `FRONTDESK_RECORDING_RETENTION_DAYS`
(default 30; 0 keeps recordings forever) says how long one is kept. The console's history offers
a call's recording while its file exists (`server.console.history.recording_path`), so a pruned
call simply shows none; the call's row and transcript stay. One task per server prunes at
start-up and then every `PRUNE_EVERY_S` (only process 0 when several share the port); the file
work runs on a thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from server.appkeys import SETTINGS

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0
DAY_S = 86_400.0


def prune_recordings(directory: Path, cutoff: float) -> int:
    """Delete the call recordings (`*.wav`) in `directory` last written before `cutoff` (epoch
    seconds); returns how many. Blocking: run it on a thread."""
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


async def keep_pruning(directory: Path, days: float) -> None:
    """Prune now and every `PRUNE_EVERY_S` until cancelled; a failure is logged and retried."""
    while True:
        try:
            removed = await asyncio.to_thread(prune_recordings, directory,
                                              time.time() - days * DAY_S)
        except OSError as exc:
            log.warning("could not prune call recordings in %s: %s", directory, exc)
        else:
            if removed:
                log.info("deleted %d call recording(s) older than %g days", removed, days)
        await asyncio.sleep(PRUNE_EVERY_S)


async def recording_retention(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the pruning task lives as long as the app."""
    settings = app[SETTINGS]
    if settings.recording_retention_days <= 0 or settings.worker_index != 0:
        yield
        return
    task = asyncio.ensure_future(
        keep_pruning(settings.recordings_dir, settings.recording_retention_days))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
