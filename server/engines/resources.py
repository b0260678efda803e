"""What every call's engine shares: the recognizer worker pool, the synthesizer, the database,
the outbound provider. Started once with the app and closed at shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from media.frames import PCM16
from media.speech.stt import Band, Partial, Transcript
from media.speech.stt_pocketsphinx import PocketsphinxRecognizer, phone_recognizer
from media.speech.stt_pool import RecognizerPool
from media.speech.tts import EspeakTTS
from server.db.database import Database
from server.outbound import Outbound
from server.settings import Settings

log = logging.getLogger(__name__)


def default_stt_workers() -> int:
    """One recognizer process per core, leaving the event loop its share on small machines."""
    return max(1, min(4, (os.cpu_count() or 2)))


class Recognizers:
    """The app's recognizer pool, started on first use (or by `warm()` at server start), so
    an app that takes no call never spawns recognizer processes. Phone calls get recognizers
    adapted to the phone band unless `phone_adapted` is off."""

    def __init__(self, workers: int, phone_adapted: bool = True) -> None:
        self._pool = RecognizerPool(PocketsphinxRecognizer, workers=workers,
                                    phone_factory=phone_recognizer if phone_adapted else None)
        self._started: asyncio.Task[None] | None = None

    def warm(self) -> asyncio.Task[None]:
        if self._started is None:
            self._started = asyncio.ensure_future(self._pool.start())
        return self._started

    async def _ready(self) -> RecognizerPool:
        await asyncio.shield(self.warm())
        return self._pool

    async def begin(self, session_id: str, context: str | None = None,
                    band: Band = Band.WIDE, codes: Sequence[str] = ()) -> None:
        """Start a turn, recognized with the named dialogue-state `context` (hotel_lm), by a
        recognizer for the call's `band`, listening for the live booking `codes`."""
        await (await self._ready()).begin(session_id, context, band, codes)

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True) -> Partial | None:
        return await (await self._ready()).feed(session_id, pcm16_16k, wait=wait)

    async def partial(self, session_id: str) -> Partial:
        """What the guest has said so far in the open turn (for semantic endpointing)."""
        return await (await self._ready()).partial(session_id)

    async def finish(self, session_id: str) -> Transcript:
        return await (await self._ready()).finish(session_id)

    async def cancel(self, session_id: str) -> None:
        if self._started is not None and self._started.done():
            await self._pool.cancel(session_id)

    async def close(self) -> None:
        if self._started is not None:
            with contextlib.suppress(Exception):
                await self._started
            await self._pool.close()


@dataclass
class EngineResources:
    settings: Settings
    db: Database
    stt: Recognizers
    tts: EspeakTTS
    outbound: Outbound | None
    voice_notes_dir: Path

    @classmethod
    def create(cls, settings: Settings, db: Database) -> EngineResources:
        outbound = Outbound.from_env()
        log.info("outbound provider: %s", "twilio" if outbound else "none")
        return cls(settings=settings, db=db,
                   stt=Recognizers(settings.stt_workers or default_stt_workers(),
                                   phone_adapted=settings.stt_phone_adapted),
                   tts=EspeakTTS(), outbound=outbound,
                   voice_notes_dir=settings.voice_notes_dir)

    async def close(self) -> None:
        await self.stt.close()
