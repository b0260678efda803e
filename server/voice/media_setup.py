"""Per-call media pieces every transport needs: a turn detector and the call recorder."""

from __future__ import annotations

import asyncio

from media.recording import CallRecorder
from media.vad import VadTurnDetector, make_turn_detector, prewarm
from server.settings import Settings
from server.voice.session import VoiceSession


async def new_turn_detector(settings: Settings) -> VadTurnDetector:
    """Built off the loop: the first silero detector of a process loads the shared model
    (~100 ms) unless `prewarm_vad` already did."""
    return await asyncio.to_thread(make_turn_detector, settings.vad)


async def prewarm_vad(settings: Settings) -> None:
    """Load the process's one silero model at startup (every call shares it)."""
    if settings.vad == "silero":
        await asyncio.to_thread(prewarm)


def open_recorder(settings: Settings, session: VoiceSession) -> CallRecorder | None:
    """The call's stereo WAV (guest left, agent right), closed with the session."""
    if not settings.record_calls:
        return None
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    path = settings.recordings_dir / f"{session.id}.wav"
    recorder = CallRecorder(path)
    session.recording_path = str(path)
    session.add_closer("recorder", recorder.aclose)
    return recorder
