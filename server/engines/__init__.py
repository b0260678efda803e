"""Speech-to-speech engines: the offline cascade (default) and OpenAI Realtime (with failover
to the offline engine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from media.engine import Engine
from server.settings import Settings

if TYPE_CHECKING:
    from server.db.database import Database

GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"


def make_engine(settings: Settings, *, greeting: str = GREETING, audio_format: str = "pcm24k",
                db: Database | None = None) -> Engine:
    """The engine for one new call, by `FRONTDESK_ENGINE`.

    "openai" (needs OPENAI_API_KEY): the Realtime engine, failing over to the offline one.
    `audio_format` is the transport's: "pcm24k" (WebRTC) or "pcmu" (Twilio, 8 kHz μ-law).
    """
    if settings.engine == "openai":
        from server.engines.failover import FailoverEngine
        from server.engines.openai_realtime import OpenAIRealtimeEngine

        realtime = OpenAIRealtimeEngine(settings, audio_format=audio_format, db=db,
                                        greeting=greeting)
        return FailoverEngine(realtime, lambda: _offline(settings, greeting))
    if settings.engine != "offline":
        raise ValueError(f"unknown engine {settings.engine!r}")
    return _offline(settings, greeting)


def _offline(settings: Settings, greeting: str) -> Engine:
    from server.engines.offline import OfflineEngine

    return OfflineEngine(greeting=greeting)
