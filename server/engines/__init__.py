"""Speech-to-speech engines: the offline cascade (default) and OpenAI Realtime (with failover
to the offline engine). `make_engine` builds the engine for one new call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from media.engine import Engine, EngineIO

if TYPE_CHECKING:
    from server.engines.resources import EngineResources
    from server.tools.context import CallHooks

GREETING = "Thank you for calling Harbor View Hotel, how can I help you?"


def make_engine(resources: EngineResources, *, audio_format: str = "pcm24k",
                hooks: CallHooks | None = None, greeting: str = GREETING) -> Engine:
    """The engine for one new call, by `FRONTDESK_ENGINE`.

    "openai" (needs OPENAI_API_KEY): the Realtime engine, failing over to the offline one.
    `audio_format` is the transport's: "pcm24k" (WebRTC) or "pcmu" (Twilio, 8 kHz μ-law).
    `hooks` are the call layer's (hold music, announcements, transfers) for the hotel tools.
    """
    settings = resources.settings
    if settings.engine == "openai":
        from server.engines.failover import FailoverEngine
        from server.engines.openai_realtime import OpenAIRealtimeEngine

        realtime = OpenAIRealtimeEngine(settings, audio_format=audio_format, db=resources.db,
                                        greeting=greeting, hooks=hooks,
                                        outbound=resources.outbound)
        return FailoverEngine(realtime, lambda: offline_engine(resources, hooks))
    if settings.engine != "offline":
        raise ValueError(f"unknown engine {settings.engine!r}")
    return offline_engine(resources, hooks)


def offline_engine(resources: EngineResources, hooks: CallHooks | None = None) -> Engine:
    from server.dialogue import DialogueManager
    from server.engines.offline import OfflineEngine
    from server.tools.context import ToolContext

    def dialogue(io: EngineIO) -> DialogueManager:
        return DialogueManager(ToolContext(
            db=resources.db, call_id=io.call_id, caller=io.caller, hooks=hooks,
            outbound=resources.outbound, voice_notes_dir=resources.voice_notes_dir,
        ))

    return OfflineEngine(stt=resources.stt, tts=resources.tts, dialogue_factory=dialogue)
