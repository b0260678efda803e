"""Per-call media pieces every transport needs: a turn detector, the echo canceller and the
call recorder."""

from __future__ import annotations

import asyncio

from media.echo_cancel import EchoCanceller
from media.recording import CallRecorder
from media.vad import VadTurnDetector, make_turn_detector, prewarm
from server.settings import EchoCancel, Settings
from server.voice.session import Transport, VoiceSession


async def new_turn_detector(settings: Settings) -> VadTurnDetector:
    """Built off the loop: the first silero detector of a process loads the shared model
    (~100 ms) unless `prewarm_vad` already did."""
    return await asyncio.to_thread(make_turn_detector, settings.vad)


async def prewarm_vad(settings: Settings) -> None:
    """Load the process's one silero model at startup (every call shares it)."""
    if settings.vad == "silero":
        await asyncio.to_thread(prewarm)


def new_echo_canceller(settings: Settings, transport: Transport, rate: int
                       ) -> EchoCanceller | None:
    """The call's echo canceller for guest audio at `rate`, if `FRONTDESK_ECHO_CANCEL` covers
    this transport (by default phone calls: a browser cancels its own echo)."""
    wanted = settings.echo_cancel is EchoCancel.ALL or (
        settings.echo_cancel is EchoCancel.PHONE and transport is Transport.TWILIO)
    return EchoCanceller(rate) if wanted else None


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
