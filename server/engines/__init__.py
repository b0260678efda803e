"""Speech-to-speech engines: the offline cascade (default) and, later, OpenAI Realtime."""

from __future__ import annotations

from media.engine import Engine
from server.settings import Settings

GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"


def make_engine(settings: Settings, *, greeting: str = GREETING) -> Engine:
    """The engine for one new call, by `FRONTDESK_ENGINE`."""
    from server.engines.offline import OfflineEngine

    if settings.engine != "offline":
        raise ValueError(f"unknown engine {settings.engine!r}")
    return OfflineEngine(greeting=greeting)
